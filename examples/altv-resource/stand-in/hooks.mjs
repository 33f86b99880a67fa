// Module resolution hooks for running the resource under plain Node: 'alt-server'
// resolves to the stand-in, 'guildhall' to the package in bindings-node (what
// `npm install` of this folder would link).
const map = {
  'alt-server': new URL('./alt-server.js', import.meta.url).href,
  guildhall: new URL('../../../bindings-node/index.js', import.meta.url).href,
}

export async function resolve(specifier, context, next) {
  if (specifier in map) return { url: map[specifier], shortCircuit: true }
  return next(specifier, context)
}

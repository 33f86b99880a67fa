// Module resolution hooks for running the resource under plain Node: 'alt-server'
// resolves to the stand-in; 'guildhall' to the installed package when node_modules has
// one (bindings-node/test-install.sh runs the resource that way), else to the package
// in bindings-node (what `npm install` of this folder would link).
const standIn = new URL('./alt-server.js', import.meta.url).href
const sourceTree = new URL('../../../bindings-node/index.js', import.meta.url).href

export async function resolve(specifier, context, next) {
  if (specifier === 'alt-server') return { url: standIn, shortCircuit: true }
  if (specifier === 'guildhall') {
    try {
      return await next(specifier, context)
    } catch {
      return { url: sourceTree, shortCircuit: true }
    }
  }
  return next(specifier, context)
}

'use strict'
// The `guildhall` package: `Guildhall.open(...)` runs the core in process through the
// native addon (native.js loads the platform's .node file); `Guildhall.connect(url)`
// speaks to a guildhall HTTP host with the same API (http.js), for runtimes where the
// addon cannot load. Both reject with errors whose `.code` is the stable SPEC code.

const { HttpGuildhall, GuildhallError, ERROR_CODES, withByCurrency, settleLater } = require('./http.js')

let native = null
let loadError = null
try {
  native = require('./native.js')
} catch (e) {
  loadError = e
}

const connect = (url, options) => HttpGuildhall.connect(url, options)

const define = (target, name, value) =>
  Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false })

let Guildhall
if (native) {
  Guildhall = native.Guildhall
  const proto = Guildhall.prototype
  const nativeWallet = proto.wallet
  const nativeWalletNow = proto.walletNow
  const nativeOnEvent = proto.onEvent
  const nativeClose = proto.close
  // The live onEvent subscriptions of each handle, so close() silences them all.
  const subscriptions = new WeakMap()

  // A wallet read that needs no I/O wait (a SQLite file's point read, memory) is made
  // at once by walletNow(); its Promise settles on the event loop's next turn, so a
  // loop of awaited reads lets timers and I/O run between reads. Any other read goes
  // through the runtime. Same result, same errors.
  define(proto, 'walletNow', function walletNow(player) {
    const now = nativeWalletNow.call(this, player)
    return now == null ? now : withByCurrency(now)
  })
  define(proto, 'wallet', function wallet(player) {
    let now
    try {
      now = nativeWalletNow.call(this, player)
    } catch (e) {
      return settleLater(e, false)
    }
    if (now != null) return settleLater(withByCurrency(now), true)
    return nativeWallet.call(this, player).then(withByCurrency)
  })

  // The native callback is wrapped so that no event reaches it once unsubscribed or
  // closed, even one already queued for the JavaScript thread.
  define(proto, 'onEvent', function onEvent(callback, options) {
    if (typeof callback !== 'function') {
      throw new GuildhallError('INVALID_ARGUMENT', 'callback must be a function', { field: 'callback' })
    }
    const sub = { live: true }
    const stop = nativeOnEvent.call(this, (event) => { if (sub.live) callback(event) }, options)
    sub.stop = stop
    let subs = subscriptions.get(this)
    if (!subs) subscriptions.set(this, (subs = new Set()))
    subs.add(sub)
    return function unsubscribe() {
      if (!sub.live) return
      sub.live = false
      subs.delete(sub)
      stop()
    }
  })

  define(proto, 'close', function close() {
    for (const sub of subscriptions.get(this) ?? []) sub.live = false
    subscriptions.delete(this)
    // The native close resolves once every call made before it has finished; the
    // extra turn lets wallet reads already answered settle their Promises first.
    return nativeClose.call(this).then(() => new Promise((resolve) => setImmediate(resolve)))
  })

  define(Guildhall, 'connect', connect)
} else {
  Guildhall = class Guildhall {
    static async open() {
      throw new GuildhallError('UNAVAILABLE',
        `the guildhall native addon could not be loaded here (${loadError?.message}); use Guildhall.connect(url) with a guildhall host`)
    }
    static connect(url, options) {
      return connect(url, options)
    }
  }
}

module.exports = { Guildhall, GuildhallError, ERROR_CODES, nativeLoaded: native !== null }

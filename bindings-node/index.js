'use strict'
// The `guildhall` package: `Guildhall.open(...)` runs the core in process through the
// native addon (native.js loads the platform's .node file); `Guildhall.connect(url)`
// speaks to a guildhall HTTP host with the same API (http.js), for runtimes where the
// addon cannot load. Both reject with errors whose `.code` is the stable SPEC code.

const { HttpGuildhall, GuildhallError, ERROR_CODES } = require('./http.js')

let native = null
let loadError = null
try {
  native = require('./native.js')
} catch (e) {
  loadError = e
}

const connect = (url, options) => HttpGuildhall.connect(url, options)

let Guildhall
if (native) {
  Guildhall = native.Guildhall
  // A wallet read that needs no I/O wait (SQLite point read, memory) is answered at
  // once; any other goes through the runtime. Same result, same errors, as a Promise.
  const readWallet = Guildhall.prototype.wallet
  Object.defineProperty(Guildhall.prototype, 'wallet', {
    value: function wallet(player) {
      try {
        const now = this.walletNow(player)
        if (now != null) return Promise.resolve(now)
      } catch (e) {
        return Promise.reject(e)
      }
      return readWallet.call(this, player)
    },
    writable: true, configurable: true, enumerable: false,
  })
  Object.defineProperty(Guildhall, 'connect', {
    value: connect, writable: true, configurable: true, enumerable: false,
  })
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

'use strict'
// The bundle's `debug` (oclif's only use of it): the real module, which loads tty and net, only when DEBUG asks for
// a trace; otherwise a logger that is off, as debug's own is for a namespace DEBUG does not name.
module.exports = function createDebug(namespace) {
  if (process.env.DEBUG) return require('debug')(namespace)
  const off = () => {}
  off.enabled = false
  off.namespace = namespace
  off.extend = (sub, delimiter = ':') => createDebug(`${namespace}${delimiter}${sub}`)
  return off
}

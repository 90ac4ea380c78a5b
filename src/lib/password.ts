import {randomInt} from 'node:crypto'

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'

/** A crypto-random password of letters and digits only, so it needs no escaping in a connection string. */
export function generatePassword(length = 32): string {
  if (length < 24) throw new Error('passwords are at least 24 characters')
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)]
  return out
}

/** `mongodb+srv://host/…` → `mongodb+srv://user:password@host/…`. */
export function withCredentials(uri: string, username: string, password: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/)(?:[^@/]*@)?(.*)$/.exec(uri)
  if (!m) return uri
  return `${m[1]}${encodeURIComponent(username)}:${encodeURIComponent(password)}@${m[2]}`
}

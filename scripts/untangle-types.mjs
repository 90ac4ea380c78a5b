#!/usr/bin/env node
// openapi-typescript renders each child of a discriminated oneOf as `Omit<Parent, "discriminator"> & {own fields}`,
// and the parent as the union of its children: a type that refers to itself. openapi-fetch's Writable<> cannot
// resolve such a type and widens the whole request body to an index signature, so no body type-checks. The Omit
// adds nothing (each child lists all its own fields), so it is removed here, right after generation.
import fs from 'node:fs'

const file = process.argv[2]
const text = fs.readFileSync(file, 'utf8')
const parentOmit = /Omit<components\["schemas"\]\["([A-Za-z0-9]+)"\], "[A-Za-z]+"> & /g
let removed = 0
const out = text.replace(parentOmit, (whole, parent) => {
  // Only a parent that is itself a union of its children is circular; any other Omit is kept.
  const def = new RegExp(`\\n {8}${parent}: \\{[^}]*\\} & \\(components\\["schemas"\\]`)
  if (!def.test(text)) return whole
  removed++
  return ''
})
if (removed === 0)
  throw new Error(`untangle-types: no circular discriminator parent found in ${file}; check the generator`)
fs.writeFileSync(file, out)
process.stderr.write(`untangle-types: ${removed} circular parent references removed from ${file}\n`)

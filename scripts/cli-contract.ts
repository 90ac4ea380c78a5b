// Writes the contract snapshot that test/unit/cli-contract.test.ts holds the CLI to (npm run contract).
import fs from 'node:fs'
import path from 'node:path'
import {buildContract, CONTRACT_FILE, serializeContract} from '../test/support/cli-contract.js'

fs.writeFileSync(CONTRACT_FILE, serializeContract(await buildContract()))
console.log(`wrote ${path.relative(process.cwd(), CONTRACT_FILE)}`)

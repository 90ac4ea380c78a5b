#!/usr/bin/env node
import module from 'node:module'
import {execute} from '@oclif/core'

// Node >= 22.1 caches compiled modules between runs; start-up is measured in bench/.
module.enableCompileCache?.()
await execute({dir: import.meta.url})

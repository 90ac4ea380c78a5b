import {afterEach, describe, expect, it} from 'vitest'
import {table} from '../../src/ui/output.js'

const ESC = '\u001b['
const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY')

describe('tables', () => {
  afterEach(() => {
    if (tty) Object.defineProperty(process.stdout, 'isTTY', tty)
    else delete (process.stdout as {isTTY?: boolean}).isTTY
    delete process.env.NO_COLOR
  })

  const asTerminal = (on: boolean) => Object.defineProperty(process.stdout, 'isTTY', {value: on, configurable: true})

  it('colours states on a terminal: IDLE green, CREATING yellow, DELETING red; other cells stay plain', async () => {
    asTerminal(true)
    const out = await table(
      ['name', 'state'],
      [
        ['a', 'IDLE'],
        ['b', 'CREATING (M10)'],
        ['c', 'DELETING'],
        ['d', 'paused'],
      ],
    )
    expect(out).toContain(`${ESC}32mIDLE${ESC}39m`)
    expect(out).toContain(`${ESC}33mCREATING (M10)${ESC}39m`)
    expect(out).toContain(`${ESC}31mDELETING${ESC}39m`)
    expect(out).not.toContain(`${ESC}32mpaused`)
  })

  it('never colours in a pipe or with NO_COLOR', async () => {
    asTerminal(false)
    expect(await table(['state'], [['IDLE']])).not.toContain(ESC)
    asTerminal(true)
    process.env.NO_COLOR = '1'
    expect(await table(['state'], [['IDLE']])).not.toContain(ESC)
  })
})

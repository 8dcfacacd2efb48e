import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, InvalidPayloadError, jsonChannel } from '@liteorm/core'
import { assertValidChannel, assertValidPayload, channelList } from '@liteorm/core/backend'

describe('channel and payload limits (PostgreSQL\'s, applied by every backend)', () => {
  it('channels: 63 bytes of UTF-8 pass, 64 do not, counted in bytes', () => {
    expect(() => assertValidChannel('a'.repeat(63))).not.toThrow()
    expect(() => assertValidChannel('€'.repeat(21))).not.toThrow() // 63 bytes
    expect(() => assertValidChannel('€'.repeat(21) + 'a')).toThrow(InvalidArgumentError) // 64 bytes, 22 characters
    expect(() => assertValidChannel('')).toThrow(/must not be empty/)
    expect(() => assertValidChannel('a\0')).toThrow(/NUL/)
  })

  it('payloads: 7999 bytes pass, 8000 do not, counted in bytes', () => {
    expect(() => assertValidPayload('a'.repeat(7999))).not.toThrow()
    expect(() => assertValidPayload('a'.repeat(8000))).toThrow(/8000 bytes/)
    expect(() => assertValidPayload('😀'.repeat(2000))).toThrow(/8000 bytes/) // 2000 characters, 8000 bytes
    expect(() => assertValidPayload('x\0')).toThrow(/NUL/)
  })

  it('channelList accepts a name or a list, refuses a repeated channel, and checks each', () => {
    expect(channelList('a')).toEqual(['a'])
    expect(() => channelList(['a', 'b', 'a'])).toThrow(/"a" is listed twice/)
    expect(channelList([])).toEqual([])
    expect(() => channelList(['ok', ''])).toThrow(InvalidArgumentError)
  })
})

describe('jsonChannel', () => {
  const ids = jsonChannel<{ id: number }>('ids', (v): v is { id: number } => typeof (v as { id?: unknown })?.id === 'number')

  it('serialises checked values and parses them back', () => {
    expect(ids.parse(ids.serialize({ id: 3 }))).toEqual({ id: 3 })
  })

  it('refuses to send a value its check rejects', () => {
    expect(() => ids.serialize({ id: 'x' } as unknown as { id: number })).toThrow(InvalidArgumentError)
  })

  it('reports a payload that is not JSON, or fails the check, with the raw text', () => {
    expect(() => ids.parse('nope')).toThrow(InvalidPayloadError)
    let caught: unknown
    try {
      ids.parse('{"id":"x"}')
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(InvalidPayloadError)
    expect(caught).toMatchObject({ channel: 'ids', payload: '{"id":"x"}' })
  })
})

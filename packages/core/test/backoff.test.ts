import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../src/backoff.js'

describe('backoffDelay', () => {
  it('attempt 1 waits within [min/2, min]; each later attempt doubles that ceiling, capped at max', () => {
    const min = 100
    const max = 1000
    const ceilings = [100, 200, 400, 800, 1000, 1000, 1000]
    ceilings.forEach((ceiling, i) => {
      const delays = Array.from({ length: 500 }, () => backoffDelay(i + 1, min, max))
      expect(Math.min(...delays), `attempt ${i + 1}`).toBeGreaterThanOrEqual(ceiling / 2)
      expect(Math.max(...delays), `attempt ${i + 1}`).toBeLessThanOrEqual(ceiling)
    })
  })

  it('is jittered: repeated calls for one attempt spread over its range', () => {
    const delays = new Set(Array.from({ length: 200 }, () => backoffDelay(4, 100, 10_000)))
    expect(delays.size).toBeGreaterThan(50)
  })

  it('stays finite and capped for attempts far past the cap', () => {
    expect(backoffDelay(10_000, 100, 5000)).toBeLessThanOrEqual(5000)
    expect(backoffDelay(10_000, 100, 5000)).toBeGreaterThanOrEqual(2500)
  })
})

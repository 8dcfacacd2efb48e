import { defineConfig } from 'vitest/config'
import suite from '../../vitest.config.js'

/** The suite's own configuration (global setup and all), running only the deliberately failing gate file. */
export default defineConfig({ ...suite, test: { ...suite.test, include: ['test/gate/*.gate.ts'] } })

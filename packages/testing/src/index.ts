export { admin, createDatabase } from './create-database.js'
export { startEmbeddedPostgres, type EmbeddedOptions, type EmbeddedServer } from './embedded-postgres.js'
export { freePort } from './free-port.js'
export { providePostgres, type PostgresServer } from './provide-postgres.js'

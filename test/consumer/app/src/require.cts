// A CommonJS application: require() of the ESM-only packages (Node 20.19+).
import { open, InvalidArgumentError } from '@liteorm/postgres'
import { open as openSqlite } from '@liteorm/sqlite'

try {
  open('mysql://nope')
  throw new Error('open() accepted a mysql DSN')
} catch (error) {
  if (!(error instanceof InvalidArgumentError)) throw error
}
const db = openSqlite(':memory:')
void db.close().then(() => console.log('commonjs app: ok'))

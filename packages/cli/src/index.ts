/**
 * The `liteorm` command (`tail`, `notify`, `status`) as a function, for
 * programs that run it in process: `main(args)` resolves with the exit
 * status the command would end with.
 *
 * @module
 */
export { main } from './main.js'
export { ExitCode } from './exit-codes.js'

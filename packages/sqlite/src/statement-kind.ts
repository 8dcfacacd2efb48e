/**
 * Finds the verb of the main clause of one SQL statement, lower-case: the first keyword
 * after leading comments and after a `WITH` clause's common table
 * expressions, so `with x as (select 1) insert into t select * from x` is an
 * `'insert'`. Returns `''` when there is none. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * statementKind('/* hi *\/ INSERT INTO t VALUES (1)')          // 'insert'
 * statementKind('with a as (select 1) delete from t')         // 'delete'
 * ```
 */
export function statementKind(sql: string): string {
  let i = 0
  let depth = 0
  let afterWith = false
  const n = sql.length
  while (i < n) {
    const c = sql[i]!
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      i = end < 0 ? n : end + 1
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      i = end < 0 ? n : end + 2
    } else if (c === "'" || c === '"' || c === '`') {
      const end = sql.indexOf(c, i + 1)
      i = end < 0 ? n : end + 1
    } else if (c === '[') {
      const end = sql.indexOf(']', i + 1)
      i = end < 0 ? n : end + 1
    } else if (c === '(') {
      depth++
      i++
    } else if (c === ')') {
      depth--
      i++
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++
      const word = sql.slice(i, j).toLowerCase()
      i = j
      if (depth !== 0) continue
      if (word === 'with' && !afterWith) {
        afterWith = true
        continue
      }
      if (!afterWith || verbs.has(word)) return word
    } else {
      i++
    }
  }
  return ''
}

const verbs = new Set(['select', 'insert', 'replace', 'update', 'delete', 'values'])

// `npm test` after the build: type check (TypeScript 7's native tsc, about 5x faster than 5.9's), lint and
// the mocha suite side by side. The suite spends much of
// its time waiting on gulp child processes, so tsc, ESLint and Prettier fill the idle core instead of
// adding their own minutes in front of it. Each command's output is printed when it ends, whole, under its
// name; the exit code is the first failure's (or 0).
const { Buffer } = require('node:buffer')
const { spawn } = require('node:child_process')
const { performance } = require('node:perf_hooks')

const COMMANDS = [
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['eslint', 'npx', ['eslint', '.']],
  ['prettier', 'npx', ['prettier', '--check', '.']],
  ['mocha', 'npx', ['mocha', ...process.argv.slice(2)]],
]

function run([name, command, args]) {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks = []
    child.stdout.on('data', (chunk) => (name === 'mocha' ? process.stdout.write(chunk) : chunks.push(chunk)))
    child.stderr.on('data', (chunk) => (name === 'mocha' ? process.stderr.write(chunk) : chunks.push(chunk)))
    child.on('close', (code, signal) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      const output = Buffer.concat(chunks).toString().trim()
      if (output && code !== 0) process.stdout.write(`\n--- ${name} ---\n${output}\n`)
      process.stdout.write(`${name}: ${code === 0 ? 'ok' : `failed (${signal ?? `exit ${code}`})`} in ${seconds} s\n`)
      resolve(code ?? 1)
    })
  })
}

Promise.all(COMMANDS.map(run)).then((codes) => {
  process.exitCode = codes.find((code) => code !== 0) ?? 0
})

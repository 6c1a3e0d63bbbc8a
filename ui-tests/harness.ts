/**
 * Shared pieces of the browser-test harness: Debian's Chromium, a free loopback port and a token chosen once
 * per run (kept in the environment so Playwright's workers see the same values), and artifact paths.
 */
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as path from 'path';

export const CHROMIUM = process.env.CLASSLAB_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(__dirname, 'artifacts');
export const REPO = path.join(__dirname, '..');

/** Flags that keep Chromium quiet on a machine with no outside network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];

/** A port nobody listens on right now (asked of the OS, synchronously, as the config loads). */
export function freePort(): number {
  const script =
    'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])';
  return Number(execFileSync('python3', ['-c', script]).toString().trim());
}

/** Read an environment value, or set it once so that every worker process inherits it. */
export function once(name: string, make: () => string): string {
  if (!process.env[name]) {
    process.env[name] = make();
  }
  return process.env[name]!;
}

export function newToken(): string {
  return randomBytes(24).toString('hex');
}

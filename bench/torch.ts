/**
 * Where the PyTorch reference timing comes from, for every benchmark that compares against it
 * (run.ts, kernels-wasm.ts): the script (TORCH_FOCAL, default bench/torch_focal.py) and the
 * Python that has torch (TORCH_PYTHON, default /usr/bin/python3 when present, else python3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const TORCH_FOCAL = path.resolve(ROOT, process.env.TORCH_FOCAL ?? 'bench/torch_focal.py');
export const TORCH_PYTHON = process.env.TORCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** torch_focal.py's arguments for one kernel case: one thread, float32 logits, as the service's kernels are timed. */
export function torchArgs(mode: string, n: number, c: number, gamma: number, runs: number): string[] {
  return [
    TORCH_FOCAL,
    '--mode',
    mode,
    '--n',
    String(n),
    '--c',
    String(c),
    '--gamma',
    String(gamma),
    '--threads',
    '1',
    '--dtype',
    'float32',
    '--runs',
    String(runs),
  ];
}

/** Why the torch rows cannot run here, or null when they can. */
export function torchUnavailable(): string | null {
  if (!existsSync(TORCH_FOCAL)) return `torch rows skipped: ${TORCH_FOCAL} not found (set TORCH_FOCAL)`;
  const r = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status !== 0)
    return `torch rows skipped: ${TORCH_PYTHON} cannot import torch (apt-get install -y python3-torch, or set TORCH_PYTHON)`;
  return null;
}

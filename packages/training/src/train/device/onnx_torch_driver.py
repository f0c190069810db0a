"""Runs the Enhance ONNX training step on a CUDA GPU by interpreting the graph op by op with PyTorch.

The graph is the one `npm run train -- --write-device-bundle DIR` writes (forward pass, gradients and
Adam update, all built in TypeScript); this script only executes it, feeds it batches drawn from the
bundle's training planes, validates with the bundle's validation model, and writes checkpoints in the
training loop's format (`<prefix>.json` manifest + `<prefix>.bin` float32 tensors) so the TypeScript
side can resume or export them. `--check` compares one step against onnxruntime (CPU) first.

Status: not yet run on a GPU (the session had no device time left); run it with --check first,
which compares one step with onnxruntime before any training.

Usage: python3 onnx_torch_driver.py BUNDLE OUT --seconds S [--validate-every N] [--lr X] [--max-steps N]
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

DEVICE = torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def attrs(node):
    out = {}
    for a in node.attribute:
        out[a.name] = onnx.helper.get_attribute_value(a)
        if isinstance(out[a.name], bytes):
            out[a.name] = out[a.name].decode()
    return out


class Interpreter:
    """Executes an ONNX graph (the op subset the Enhance training graphs use) with torch tensors."""

    def __init__(self, path):
        model = onnx.load(path)
        self.graph = model.graph
        self.constants = {}
        for init in self.graph.initializer:
            self.constants[init.name] = torch.from_numpy(numpy_helper.to_array(init).copy()).to(DEVICE)
        self.nodes = []
        for node in self.graph.node:
            a = attrs(node)
            if node.op_type == 'Constant':
                self.constants[node.output[0]] = torch.from_numpy(numpy_helper.to_array(a['value']).copy()).to(DEVICE)
                continue
            self.nodes.append((node.op_type, list(node.input), list(node.output), a))
        self.output_names = [o.name for o in self.graph.output]
        # Integer inputs (pads, axes, shapes, slice bounds) are constants: read them once on the host.
        self.host = {k: v.cpu().numpy() for k, v in self.constants.items() if v.dtype in (torch.int64, torch.int32)}
        self.slice_index = {}

    def ints(self, name):
        return [int(v) for v in self.host[name].reshape(-1)]

    def run(self, feeds):
        env = dict(self.constants)
        env.update(feeds)
        for op, ins, outs, a in self.nodes:
            x = [env[n] if n else None for n in ins]
            result = getattr(self, 'op_' + op)(x, ins, a, outs)
            if not isinstance(result, tuple):
                result = (result,)
            for name, value in zip(outs, result):
                env[name] = value
        return {n: env[n] for n in self.output_names}

    # ---- ops ----
    def op_Identity(self, x, ins, a, outs): return x[0]
    def op_Relu(self, x, ins, a, outs): return torch.relu(x[0])
    def op_Add(self, x, ins, a, outs): return x[0] + x[1]
    def op_Sub(self, x, ins, a, outs): return x[0] - x[1]
    def op_Mul(self, x, ins, a, outs): return x[0] * x[1]
    def op_Div(self, x, ins, a, outs): return x[0] / x[1]
    def op_Neg(self, x, ins, a, outs): return -x[0]
    def op_Sqrt(self, x, ins, a, outs): return torch.sqrt(x[0])
    def op_Reciprocal(self, x, ins, a, outs): return torch.reciprocal(x[0])
    def op_Pow(self, x, ins, a, outs): return torch.pow(x[0], x[1])
    def op_Greater(self, x, ins, a, outs): return x[0] > x[1]
    def op_Where(self, x, ins, a, outs): return torch.where(x[0], x[1], x[2])
    def op_MatMul(self, x, ins, a, outs): return torch.matmul(x[0], x[1])
    def op_Concat(self, x, ins, a, outs): return torch.cat(x, dim=a['axis'])

    def op_Transpose(self, x, ins, a, outs):
        perm = a.get('perm', list(reversed(range(x[0].dim()))))
        return x[0].permute(*perm).contiguous()

    def op_Reshape(self, x, ins, a, outs):
        shape = self.ints(ins[1])
        shape = [x[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
        return x[0].reshape(shape)

    def op_Expand(self, x, ins, a, outs):
        shape = torch.broadcast_shapes(tuple(x[0].shape), tuple(self.ints(ins[1])))
        return x[0].expand(shape)

    def op_ConstantOfShape(self, x, ins, a, outs):
        value = numpy_helper.to_array(a['value']).reshape(-1)[0]
        return torch.full(self.ints(ins[0]), float(value), device=DEVICE, dtype=torch.float32)

    def reduce_axes(self, x, ins, a, axes_from_input):
        if axes_from_input:
            axes = self.ints(ins[1]) if len(ins) > 1 and ins[1] else []
        else:
            axes = list(a.get('axes', []))
        if not axes:
            axes = list(range(x.dim()))
        return [ax % x.dim() for ax in axes]

    def op_ReduceSum(self, x, ins, a, outs):
        axes = self.reduce_axes(x[0], ins, a, True)
        return torch.sum(x[0], dim=axes, keepdim=bool(a.get('keepdims', 1)))

    def op_ReduceMean(self, x, ins, a, outs):
        axes = self.reduce_axes(x[0], ins, a, False)
        return torch.mean(x[0], dim=axes, keepdim=bool(a.get('keepdims', 1)))

    def op_Pad(self, x, ins, a, outs):
        pads = self.ints(ins[1])
        rank = x[0].dim()
        mode = a.get('mode', 'constant')
        torch_pads = []
        for axis in reversed(range(rank)):
            torch_pads += [pads[axis], pads[axis + rank]]
        if mode == 'reflect':
            assert all(p == 0 for p in torch_pads[4:]), 'reflect pad only on the last two axes'
            return F.pad(x[0], torch_pads[:4], mode='reflect')
        value = float(x[2].item()) if len(x) > 2 and x[2] is not None else 0.0
        return F.pad(x[0], torch_pads, mode='constant', value=value)

    def op_Slice(self, x, ins, a, outs):
        key = outs[0]
        if key not in self.slice_index:
            starts, ends = self.ints(ins[1]), self.ints(ins[2])
            axes = self.ints(ins[3]) if len(ins) > 3 and ins[3] else list(range(len(starts)))
            steps = self.ints(ins[4]) if len(ins) > 4 and ins[4] else [1] * len(starts)
            plan = []
            for s, e, ax, st in zip(starts, ends, axes, steps):
                dim = x[0].shape[ax]
                s = s + dim if s < 0 else s
                e = e + dim if e < 0 else e
                if st > 0:
                    s, e = min(max(s, 0), dim), min(max(e, 0), dim)
                else:
                    s, e = min(max(s, 0), dim - 1), min(max(e, -1), dim - 1)
                plan.append((ax % x[0].dim(), torch.tensor(list(range(s, e, st)), device=DEVICE, dtype=torch.long), s, e, st))
            self.slice_index[key] = plan
        y = x[0]
        for ax, index, s, e, st in self.slice_index[key]:
            y = y.narrow(ax, s, e - s) if st == 1 else torch.index_select(y, ax, index)
        return y

    def op_Conv(self, x, ins, a, outs):
        pads = list(a.get('pads', [0, 0, 0, 0]))
        assert a.get('group', 1) == 1 and all(s == 1 for s in a.get('strides', [1, 1])) and all(d == 1 for d in a.get('dilations', [1, 1]))
        bias = x[2] if len(x) > 2 else None
        if pads[0] == pads[2] and pads[1] == pads[3]:
            return F.conv2d(x[0], x[1], bias, padding=(pads[0], pads[1]))
        return F.conv2d(F.pad(x[0], [pads[1], pads[3], pads[0], pads[2]]), x[1], bias)

    def op_AveragePool(self, x, ins, a, outs):
        assert all(p == 0 for p in a.get('pads', [0, 0, 0, 0]))
        return F.avg_pool2d(x[0], list(a['kernel_shape']), list(a.get('strides', a['kernel_shape'])))

    def op_Resize(self, x, ins, a, outs):
        assert a.get('mode', 'nearest') == 'nearest' and a.get('coordinate_transformation_mode') == 'asymmetric' and a.get('nearest_mode') == 'floor'
        scales = self.constants[ins[2]].cpu().numpy().tolist()
        assert scales[0] == 1 and scales[1] == 1 and scales[2] == int(scales[2]) and scales[3] == int(scales[3])
        return x[0].repeat_interleave(int(scales[2]), dim=2).repeat_interleave(int(scales[3]), dim=3)

    def op_BatchNormalization(self, x, ins, a, outs):
        eps = a.get('epsilon', 1e-5)
        shape = (1, -1, 1, 1)
        if a.get('training_mode', 0) == 1:
            mean = x[0].mean(dim=(0, 2, 3))
            var = x[0].var(dim=(0, 2, 3), unbiased=False)
            momentum = a.get('momentum', 0.9)
            y = (x[0] - mean.view(shape)) * torch.rsqrt(var.view(shape) + eps) * x[1].view(shape) + x[2].view(shape)
            return y, x[3] * momentum + mean * (1 - momentum), x[4] * momentum + var * (1 - momentum)
        return (x[0] - x[3].view(shape)) * torch.rsqrt(x[4].view(shape) + eps) * x[1].view(shape) + x[2].view(shape)


def read_checkpoint(prefix):
    with open(prefix + '.json') as f:
        manifest = json.load(f)
    data = np.fromfile(prefix + '.bin', dtype='<f4')
    tensors = {e['name']: data[e['offset']:e['offset'] + e['length']].reshape(e['shape']) for e in manifest['tensors']}
    return manifest, tensors


def write_checkpoint(prefix, tensors, extra):
    entries, chunks, offset = [], [], 0
    for name, value in tensors.items():
        flat = np.ascontiguousarray(value, dtype='<f4').reshape(-1)
        entries.append({'name': name, 'shape': list(value.shape), 'offset': offset, 'length': int(flat.size)})
        chunks.append(flat)
        offset += flat.size
    np.concatenate(chunks).tofile(prefix + '.bin.tmp')
    os.replace(prefix + '.bin.tmp', prefix + '.bin')
    with open(prefix + '.json.tmp', 'w') as f:
        json.dump({'format': 'enhance-training-checkpoint-v1', 'tensors': entries, 'extra': extra}, f)
    os.replace(prefix + '.json.tmp', prefix + '.json')


class Sampler:
    """Random 50×50 / 100×100 windows from the bundle's planes, one of the 8 square symmetries, input noise."""

    def __init__(self, bundle, seed):
        with open(os.path.join(bundle, 'data.json')) as f:
            self.meta = json.load(f)
        blob = np.fromfile(os.path.join(bundle, 'data.bin'), dtype='<f4')
        take = lambda d: blob[d['offset']:d['offset'] + d['length']]
        self.planes, self.origins = [], []
        for i, s in enumerate(self.meta['sources']):
            self.planes.append((take(s['input']).reshape(s['input']['height'], s['input']['width']),
                                take(s['target']).reshape(s['target']['height'], s['target']['width'])))
            o = take(s['origins']).astype(np.int64).reshape(-1, 2)
            self.origins.append(np.concatenate([np.full((len(o), 1), i), o], axis=1))
        self.origins = np.concatenate(self.origins)
        self.p = self.meta['patchSize']
        self.sigma = self.meta['inputNoiseSigma']
        self.rng = np.random.default_rng(seed)
        v = self.meta['validation']
        self.validation = (take(v['inputs']).reshape(v['count'], 1, self.p, self.p), take(v['targets']).reshape(v['count'], 1, 2 * self.p, 2 * self.p))

    def batch(self, n):
        p = self.p
        inputs = np.empty((n, 1, p, p), np.float32)
        targets = np.empty((n, 1, 2 * p, 2 * p), np.float32)
        for k in range(n):
            src, x, y = self.origins[self.rng.integers(len(self.origins))]
            t = int(self.rng.integers(8))
            i = self.planes[src][0][y:y + p, x:x + p]
            o = self.planes[src][1][2 * y:2 * y + 2 * p, 2 * x:2 * x + 2 * p]
            if t & 4:
                i, o = i.T, o.T
            if t & 1:
                i, o = i[:, ::-1], o[:, ::-1]
            if t & 2:
                i, o = i[::-1, :], o[::-1, :]
            inputs[k, 0], targets[k, 0] = i, o
        inputs += (self.sigma * self.rng.standard_normal(inputs.shape)).astype(np.float32)
        return inputs, targets


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('bundle')
    ap.add_argument('out')
    ap.add_argument('--seconds', type=float, required=True)
    ap.add_argument('--validate-every', type=int, default=500)
    ap.add_argument('--lr', type=float, default=None)
    ap.add_argument('--max-steps', type=int, default=10 ** 9)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--check', action='store_true')
    ap.add_argument('--tf32', action='store_true')
    args = ap.parse_args()
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.benchmark = True
    os.makedirs(args.out, exist_ok=True)
    log_file = open(os.path.join(args.out, 'log.txt'), 'a')

    def log(line):
        line = time.strftime('%H:%M:%S ') + line
        print(line, flush=True)
        log_file.write(line + '\n')
        log_file.flush()

    step_model = Interpreter(os.path.join(args.bundle, 'step.onnx'))
    val_model = Interpreter(os.path.join(args.bundle, 'validation.onnx'))
    manifest, host_state = read_checkpoint(os.path.join(args.bundle, 'state'))
    record = manifest['extra']
    lr = args.lr if args.lr is not None else record['learningRate']
    record['learningRate'] = lr
    sampler = Sampler(args.bundle, args.seed + record['step'])
    state = {k: torch.from_numpy(v.copy()).to(DEVICE) for k, v in host_state.items()}
    params = [e.name for e in val_model.graph.input if e.name != 'image']
    batch_size = record['batchSize']

    def feeds_for(inputs, targets, step_number):
        f = dict(state)
        f['step'] = torch.tensor(float(step_number), device=DEVICE)
        f['learning_rate'] = torch.tensor(float(lr), device=DEVICE)
        f['input'] = torch.from_numpy(inputs).to(DEVICE)
        f['target'] = torch.from_numpy(targets).to(DEVICE)
        return f

    if args.check:
        import onnxruntime as ort
        inputs, targets = sampler.batch(batch_size)
        sess = ort.InferenceSession(os.path.join(args.bundle, 'step.onnx'), providers=['CPUExecutionProvider'])
        ort_feeds = {k: v.astype(np.float32) for k, v in host_state.items()}
        ort_feeds.update({'step': np.array(record['step'] + 1, np.float32), 'learning_rate': np.array(lr, np.float32), 'input': inputs, 'target': targets})
        names = [o.name for o in sess.get_outputs()]
        ref = dict(zip(names, sess.run(names, ort_feeds)))
        got = step_model.run(feeds_for(inputs, targets, record['step'] + 1))
        worst = 0.0
        for name in names:
            r, g = ref[name], got[name].float().cpu().numpy()
            if name.startswith('next/') and not name.startswith('next/adam'):
                base = host_state[name[5:]]
                rel = np.abs((g - base) - (r - base)).max() / max(np.abs(r - base).max(), 1e-12)
            else:
                rel = np.abs(g - r).max() / max(np.abs(r).max(), 1e-12)
            worst = max(worst, rel)
            if rel > 1e-2:
                log(f'check {name}: relative difference {rel:.3e}')
        log(f'check against onnxruntime: loss {float(ref["loss"]):.6e} vs {float(got["loss"]):.6e}; worst relative difference of updates/outputs {worst:.3e}')

    def validate():
        vi, vt = sampler.validation
        total, count = 0.0, 0
        with torch.no_grad():
            for start in range(0, len(vi), 256):
                f = {k: state[k] for k in params}
                f['image'] = torch.from_numpy(np.ascontiguousarray(vi[start:start + 256])).to(DEVICE)
                out = val_model.run(f)['enhanced'].double()
                total += float(((out - torch.from_numpy(vt[start:start + 256]).to(DEVICE).double()) ** 2).sum())
                count += out.numel()
        return total / count

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor()
    record['sessions'].append({'startedAt': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'fromStep': record['step'],
                               'machine': f'{gpu} via PyTorch {torch.__version__} interpreting the ONNX training step (tf32 {args.tf32})', 'threads': 0})
    best_state = None
    started = time.time()
    window_start, window_loss, window_mse, window_steps = time.time(), 0.0, 0.0, 0
    steps_done = 0
    with torch.no_grad():
        while time.time() - started < args.seconds and steps_done < args.max_steps:
            t0 = time.time()
            inputs, targets = sampler.batch(batch_size)
            out = step_model.run(feeds_for(inputs, targets, record['step'] + 1))
            for name in state:
                state[name] = out['next/' + name]
            record['step'] += 1
            steps_done += 1
            record['patchesSeen'] += batch_size
            window_loss += float(out['loss'])
            window_mse += float(out['mse'])
            window_steps += 1
            if not np.isfinite(window_loss):
                log(f'loss became {window_loss} at step {record["step"]}; stopping without saving this state')
                return 1
            record['computeSeconds'] += time.time() - t0
            if record['step'] % 100 == 0:
                rate = window_steps * batch_size / (time.time() - window_start)
                record['lossHistory'].append({'step': record['step'], 'loss': window_loss / window_steps, 'mse': window_mse / window_steps})
                log(f'step {record["step"]} loss {window_loss / window_steps:.4e} mse {window_mse / window_steps:.4e} {rate:.0f} patches/s')
                window_start, window_loss, window_mse, window_steps = time.time(), 0.0, 0.0, 0
            if record['step'] % args.validate_every == 0:
                t1 = time.time()
                mse = validate()
                record['computeSeconds'] += time.time() - t1
                record['validationHistory'].append({'step': record['step'], 'mse': mse})
                improved = record['best'] is None or mse < record['best']['validationMse']
                log(f'validation step {record["step"]}: mse {mse:.4e} (nearest x2 {record["nearestUpsamplingMse"]:.4e}){" best" if improved else ""}')
                if improved:
                    record['best'] = {'step': record['step'], 'validationMse': mse}
                    best_state = {k: state[k].clone() for k in params}
                    write_checkpoint(os.path.join(args.out, 'best'), {k: v.cpu().numpy() for k, v in best_state.items()}, dict(record))
        mse = validate()
        record['validationHistory'].append({'step': record['step'], 'mse': mse})
        improved = record['best'] is None or mse < record['best']['validationMse']
        log(f'final validation step {record["step"]}: mse {mse:.4e}{" best" if improved else ""}')
        if improved:
            record['best'] = {'step': record['step'], 'validationMse': mse}
            write_checkpoint(os.path.join(args.out, 'best'), {k: state[k].cpu().numpy() for k in params}, dict(record))
    write_checkpoint(os.path.join(args.out, 'latest'), {k: v.cpu().numpy() for k, v in state.items()}, record)
    log(f'done: {steps_done} steps this session, step {record["step"]}, {record["patchesSeen"]} patches, best {record["best"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""CPU peer of `albert bench`: the same ALBERT pretraining step (forward + backward + LAMB) and inference (forward
under torch.no_grad) in plain PyTorch on the CPU, printing the same line format:

    bench model=albert-base seq=128 batch=8 mode=train device=cpu tokens/s=... step_ms=... peak_mem_mib=...

The model is HF's AlbertForPreTraining when `transformers` imports, else the plain-PyTorch reference of
java/src/test/python/make_albert_fixtures.py (HF parameter names, spec-exact), with torch's fused layer_norm and
gelu swapped in for its float64-oriented reference versions. Configs mirror AlbertConfig.preset and
`albert bench --config tiny`. Inputs: random ids, all-ones mask, 15% MLM targets, as BenchCommand.
peak_mem_mib here is the growth of the process's peak RSS (ru_maxrss) since start: torch has no CPU allocator
accounting. Needs only torch (Debian's python3-torch 1.13 works):

    /usr/bin/python3 benchmarks/peers/torch_cpu_peer.py --config base --seq 128 --batch 8 --steps 3 --threads 2
"""
import argparse
import importlib.util
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "java", "src", "test", "python", "make_albert_fixtures.py")

SIZES = {  # AlbertConfig.preset: hidden, layers, heads, intermediate
    "base": (768, 12, 12, 3072), "large": (1024, 24, 16, 4096),
    "xlarge": (2048, 24, 16, 8192), "xxlarge": (4096, 12, 64, 16384),
    "tiny": (128, 2, 4, 512),  # BenchCommand.tiny()
}


def config(name):
    size = name[len("albert-"):] if name.startswith("albert-") else name
    v1 = size.endswith("-v1")
    size = size.replace("-v1", "").replace("-v2", "")
    if size not in SIZES:
        sys.exit("torch_cpu_peer: unknown config '%s' (expected %s)" % (name, ", ".join(SIZES)))
    hidden, layers, heads, inter = SIZES[size]
    return dict(vocab_size=30000, embedding_size=128, hidden_size=hidden, num_hidden_layers=layers,
                num_hidden_groups=1, inner_group_num=1, num_attention_heads=heads, intermediate_size=inter,
                hidden_act="gelu" if v1 else "gelu_new", max_position_embeddings=512, type_vocab_size=2,
                layer_norm_eps=1e-12, pad_token_id=0, bos_token_id=2, eos_token_id=3)


def load_reference():
    spec = importlib.util.spec_from_file_location("make_albert_fixtures", FIXTURES)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    # The reference spells LayerNorm and GELU out for float64 parity; a fair peer uses torch's fused kernels.
    ref.layer_norm = lambda x, w, b, eps: F.layer_norm(x, (x.shape[-1],), w, b, eps)
    ref.act = lambda name, x: F.gelu(x, approximate="tanh" if name == "gelu_new" else "none") \
        if name != "relu" else torch.relu(x)
    return ref


class ReferenceModel:
    """make_albert_fixtures.forward over a dict of leaf parameters initialised like HF (normal 0.02)."""

    def __init__(self, c, seed):
        self.c, self.ref = c, load_reference()
        gen = torch.Generator().manual_seed(seed)
        self.params = {}
        for key, shape in self.ref.parameter_shapes(c).items():
            if key.endswith("LayerNorm.weight") or key.endswith("layer_norm.weight"):
                t = torch.ones(shape)
            elif len(shape) == 1:
                t = torch.zeros(shape)
            else:
                t = 0.02 * torch.randn(shape, generator=gen)
            self.params[key] = t.requires_grad_(True)

    def parameters(self):
        return list(self.params.values())

    def named_parameters(self):
        return list(self.params.items())

    def loss(self, b):
        return self.ref.forward(self.c, self.params, b["input_ids"], b["attention_mask"], b["token_type_ids"],
                                b["labels"], b["sentence_order_label"])[4]

    def infer(self, b):
        labels = torch.full_like(b["input_ids"], -100)
        labels[:, 1] = 1  # the reference always computes the loss; one target keeps its cost negligible
        return self.ref.forward(self.c, self.params, b["input_ids"], b["attention_mask"], b["token_type_ids"],
                                labels, b["sentence_order_label"])[2]


class HfModel:
    def __init__(self, c, seed):
        from transformers import AlbertConfig, AlbertForPreTraining
        torch.manual_seed(seed)
        keys = dict(c)
        keys.pop("num_hidden_groups"), keys.pop("inner_group_num")
        self.model = AlbertForPreTraining(AlbertConfig(**keys, hidden_dropout_prob=0.0,
                                                       attention_probs_dropout_prob=0.0))

    def parameters(self):
        return list(self.model.parameters())

    def named_parameters(self):
        return list(self.model.named_parameters())

    def loss(self, b):
        return self.model(**b).loss

    def infer(self, b):
        x = dict(b)
        x.pop("labels"), x.pop("sentence_order_label")
        return self.model(**x).prediction_logits


class Lamb:
    """LAMB as GR's lamb_optimizer.py (and albert4j's Lamb): no bias correction, decoupled weight decay, trust
    ratio ||w|| / ||u||; LayerNorm and bias excluded from decay and adaptation; global-norm clipping at 1."""

    def __init__(self, named, lr=1e-4, b1=0.9, b2=0.999, eps=1e-6, wd=0.01):
        self.items = [(n, p, torch.zeros_like(p), torch.zeros_like(p)) for n, p in named]
        self.lr, self.b1, self.b2, self.eps, self.wd = lr, b1, b2, eps, wd

    @torch.no_grad()
    def step(self):
        torch.nn.utils.clip_grad_norm_([p for _, p, _, _ in self.items], 1.0)
        for name, p, m, v in self.items:
            if p.grad is None:
                continue
            excluded = any(k in name for k in ("LayerNorm", "layer_norm", "bias"))
            m.mul_(self.b1).add_(p.grad, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(p.grad, p.grad, value=1 - self.b2)
            u = m / (v.sqrt() + self.eps)
            if not excluded:
                u.add_(p, alpha=self.wd)
            ratio = 1.0
            if not excluded:
                w_norm, u_norm = p.norm(), u.norm()
                ratio = float(w_norm / u_norm) if w_norm > 0 and u_norm > 0 else 1.0
            p.add_(u, alpha=-self.lr * ratio)
            p.grad = None


def make_batch(c, batch, seq, seed):
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, c["vocab_size"], (batch, seq), generator=gen)
    ids[:, 0] = c["bos_token_id"]
    types = torch.zeros(batch, seq, dtype=torch.long)
    types[:, seq // 2:] = 1
    labels = torch.full((batch, seq), -100, dtype=torch.long)
    masked = torch.rand(batch, seq, generator=gen) < 0.15
    masked[:, 0] = False
    labels[masked] = ids[masked]
    return dict(input_ids=ids, attention_mask=torch.ones(batch, seq, dtype=torch.long), token_type_ids=types,
                labels=labels, sentence_order_label=torch.randint(0, 2, (batch,), generator=gen))


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def run(name, c, model_cls, seq, batch, mode, steps, warmup, seed, start_rss):
    model = model_cls(c, seed)
    b = make_batch(c, batch, seq, seed)
    lamb = Lamb(model.named_parameters()) if mode == "train" else None

    def one():
        if mode == "train":
            model.loss(b).backward()
            lamb.step()
        else:
            with torch.no_grad():
                model.infer(b)

    for _ in range(warmup):
        one()
    start = time.perf_counter()
    for _ in range(steps):
        one()
    step_ms = (time.perf_counter() - start) * 1000 / steps
    model_name = "albert-" + (name[len("albert-"):] if name.startswith("albert-") else name)
    print("bench model=%s seq=%d batch=%d mode=%s device=cpu tokens/s=%.1f step_ms=%.2f peak_mem_mib=%.0f"
          % (model_name, seq, batch, mode, batch * seq / (step_ms / 1000), step_ms, rss_mib() - start_rss),
          flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="base")
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 = all cores")
    p.add_argument("--mode", choices=["train", "infer", "both"], default="both")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reference", action="store_true", help="use the fixtures reference even if HF imports")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads if a.threads > 0 else os.cpu_count())
    model_cls = ReferenceModel
    if not a.reference:
        try:
            import transformers  # noqa: F401
            model_cls = HfModel
        except ImportError:
            pass
    print("torch_cpu_peer: torch %s, %d threads, model %s" % (torch.__version__, torch.get_num_threads(),
                                                           model_cls.__name__), file=sys.stderr)
    c = config(a.config)
    start_rss = rss_mib()
    for mode in (["infer", "train"] if a.mode == "both" else [a.mode]):  # same order as albert bench
        run(a.config, c, model_cls, a.seq, a.batch, mode, a.steps, a.warmup, a.seed, start_rss)


if __name__ == "__main__":
    main()

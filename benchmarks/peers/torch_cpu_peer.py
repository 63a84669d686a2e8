#!/usr/bin/env python3
"""CPU peer of `albert bench`: the same ALBERT pretraining step (forward + backward + LAMB) and inference (forward
under torch.no_grad) in plain PyTorch on the CPU, printing the same line format:

    bench model=albert-base seq=128 batch=8 mode=train device=cpu tokens/s=... step_ms=... peak_mem_mib=...

The model is HF's AlbertForPreTraining when `transformers` imports, else the plain-PyTorch reference of
java/src/test/python/make_albert_fixtures.py (HF parameter names, spec-exact), with torch's fused layer_norm and
gelu swapped in for its float64-oriented reference versions. Configs mirror AlbertConfig.preset and
`albert bench --config tiny`. Inputs: random ids, all-ones mask, 15% MLM targets, as BenchCommand.
`--encoder-only` times inference of the encoder + pooler alone (no MLM/SOP heads, line mode=infer-encoder): the
graph export_onnx.py writes for the ONNX Runtime peer.
peak_mem_mib here is the growth of the process's peak RSS (ru_maxrss) since start: torch has no CPU allocator
accounting. Needs only torch (Debian's python3-torch 1.13 works), run so:

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
    MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296 \
    /usr/bin/python3 benchmarks/peers/torch_cpu_peer.py --config base --seq 128 --batch 8 --steps 3 --threads 2

Debian's torch is built with BLAS_INFO=generic: every matrix product goes through whatever libblas.so.3 the loader
finds, and Debian's default one is the reference (netlib) BLAS, ~4 GFLOP/s on 2 cores. The peer finds the library
that serves torch's sgemm_, times a 512x512x512 product and refuses to run on the reference BLAS
(--allow-reference-blas overrides). Without the two MALLOC_ variables glibc returns each large activation to the
kernel on free and the next step page-faults it back in, which halves torch's throughput here; the peer warns.
"""
import argparse
import ctypes
import importlib.util
import math
import os
import resource
import sys
import sysconfig
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "java", "src", "test", "python", "make_albert_fixtures.py")

SIZES = {  # AlbertConfig.preset: hidden, layers, heads, intermediate
    "base": (768, 12, 12, 3072), "large": (1024, 24, 16, 4096),
    "xlarge": (2048, 24, 16, 8192), "xxlarge": (4096, 12, 64, 16384),
    "tiny": (128, 2, 4, 512),  # BenchCommand.tiny()
    "demo": (128, 2, 4, 512),  # the model of `albert demo` (ModelConfigs "demo"): also E 64 and an 8k vocabulary
}


def model_name(name):
    """The model name of the bench line, as BenchCommand.modelName: albert-base, albert-tiny, ..."""
    return "albert-" + (name[len("albert-"):] if name.startswith("albert-") else name)


def config(name):
    size = name[len("albert-"):] if name.startswith("albert-") else name
    v1 = size.endswith("-v1")
    size = size.replace("-v1", "").replace("-v2", "")
    if size not in SIZES:
        sys.exit("torch_cpu_peer: unknown config '%s' (expected %s)" % (name, ", ".join(SIZES)))
    hidden, layers, heads, inter = SIZES[size]
    vocab, embedding = (8000, 64) if size == "demo" else (30000, 128)
    return dict(vocab_size=vocab, embedding_size=embedding, hidden_size=hidden, num_hidden_layers=layers,
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


def encode(c, p, ids, mask, types):
    """AlbertModel.forward (embeddings, shared-layer encoder, pooler) with dropout 0 over HF-named parameters `p`:
    the encoder half of make_albert_fixtures.forward with torch's fused kernels. Sizes come from the inputs' shapes
    so that torch.onnx.export keeps batch and sequence dynamic."""
    eps = c["layer_norm_eps"]
    gelu = "tanh" if c["hidden_act"] == "gelu_new" else "none"
    N = c["num_attention_heads"]
    d = c["hidden_size"] // N
    E, H = c["embedding_size"], c["hidden_size"]
    positions = p["albert.embeddings.position_embeddings.weight"][:ids.shape[1]]
    x = F.embedding(ids, p["albert.embeddings.word_embeddings.weight"]) + positions.unsqueeze(0) \
        + F.embedding(types, p["albert.embeddings.token_type_embeddings.weight"])
    x = F.layer_norm(x, (E,), p["albert.embeddings.LayerNorm.weight"], p["albert.embeddings.LayerNorm.bias"], eps)
    h = F.linear(x, p["albert.encoder.embedding_hidden_mapping_in.weight"],
                 p["albert.encoder.embedding_hidden_mapping_in.bias"])
    mask_add = ((1.0 - mask.to(h.dtype)) * -10000.0)[:, None, None, :]  # HF v4.x / GR extended attention mask
    L, G = c["num_hidden_layers"], c["num_hidden_groups"]

    def lin(t, name):
        return F.linear(t, p[name + ".weight"], p[name + ".bias"])

    def heads(t):
        return t.reshape(t.shape[0], t.shape[1], N, d).transpose(1, 2)
    for layer in range(L):
        g = int(layer / (L / G))
        for k in range(c["inner_group_num"]):
            pre = "albert.encoder.albert_layer_groups.%d.albert_layers.%d." % (g, k)
            q, kk, v = heads(lin(h, pre + "attention.query")), heads(lin(h, pre + "attention.key")), \
                heads(lin(h, pre + "attention.value"))
            scores = q @ kk.transpose(-1, -2) / math.sqrt(d) + mask_add
            ctx = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(h.shape)
            attn = F.layer_norm(h + lin(ctx, pre + "attention.dense"), (H,), p[pre + "attention.LayerNorm.weight"],
                                p[pre + "attention.LayerNorm.bias"], eps)
            f = lin(F.gelu(lin(attn, pre + "ffn"), approximate=gelu) if c["hidden_act"] != "relu"
                    else torch.relu(lin(attn, pre + "ffn")), pre + "ffn_output")
            h = F.layer_norm(f + attn, (H,), p[pre + "full_layer_layer_norm.weight"],
                             p[pre + "full_layer_layer_norm.bias"], eps)
    return h, torch.tanh(lin(h[:, 0], "albert.pooler"))


def initial_parameters(c, seed):
    """Every AlbertForPreTraining parameter by HF name, initialised like HF: normal(0, 0.02), LayerNorm 1, bias 0."""
    gen = torch.Generator().manual_seed(seed)
    params = {}
    for key, shape in load_reference().parameter_shapes(c).items():
        if key.endswith("LayerNorm.weight") or key.endswith("layer_norm.weight"):
            params[key] = torch.ones(shape)
        elif len(shape) == 1:
            params[key] = torch.zeros(shape)
        else:
            params[key] = 0.02 * torch.randn(shape, generator=gen)
    return params


class AlbertEncoder(torch.nn.Module):
    """encode() as an nn.Module whose parameter names are HF AlbertModel's state-dict keys (embeddings.*,
    encoder.*, pooler.*), so an exported graph's initializers carry those names."""

    def __init__(self, c, params):
        super().__init__()
        self.c = c
        for key, value in params.items():
            if not key.startswith("albert."):
                continue  # the MLM and SOP heads
            *path, leaf = key[len("albert."):].split(".")
            owner = self
            for part in path:
                if not hasattr(owner, part):
                    owner.add_module(part, torch.nn.Module())
                owner = getattr(owner, part)
            owner.register_parameter(leaf, torch.nn.Parameter(value.detach().clone(), requires_grad=False))

    def forward(self, input_ids, attention_mask, token_type_ids):
        p = {"albert." + name: t for name, t in self.named_parameters()}
        return encode(self.c, p, input_ids, attention_mask, token_type_ids)


class ReferenceModel:
    """make_albert_fixtures.forward over a dict of leaf parameters initialised like HF (normal 0.02)."""

    def __init__(self, c, seed):
        self.c, self.ref = c, load_reference()
        self.params = {key: t.requires_grad_(True) for key, t in initial_parameters(c, seed).items()}

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

    def encode(self, b):
        return encode(self.c, self.params, b["input_ids"], b["attention_mask"], b["token_type_ids"])[1]


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

    def encode(self, b):
        return self.model.albert(input_ids=b["input_ids"], attention_mask=b["attention_mask"],
                                 token_type_ids=b["token_type_ids"]).pooler_output


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


class DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p), ("dli_sname", ctypes.c_char_p),
                ("dli_saddr", ctypes.c_void_p)]


def loaded_libraries():
    with open("/proc/self/maps") as maps:
        return sorted({line.split(None, 5)[5].strip() for line in maps
                       if len(line.split(None, 5)) == 6 and ".so" in line.split(None, 5)[5]})


def sgemm_provider():
    """The shared library that serves libtorch_cpu's sgemm_ (the loader's answer, as torch's own calls get it), or
    None when torch carries its BLAS inside (MKL wheels)."""
    torch_cpu = [p for p in loaded_libraries() if os.path.basename(p).startswith("libtorch_cpu")]
    if not torch_cpu:
        return None
    try:
        address = ctypes.cast(ctypes.CDLL(torch_cpu[0]).sgemm_, ctypes.c_void_p).value
    except AttributeError:
        return None
    info = DlInfo()
    if not ctypes.CDLL(None).dladdr(ctypes.c_void_p(address), ctypes.byref(info)) or not info.dli_fname:
        return None
    library = info.dli_fname.decode()
    return None if os.path.basename(library).startswith("libtorch") else os.path.realpath(library)


def blas_name(path):
    """What the library at `path` (or one it depends on) says it is; 'reference' when it names no optimised BLAS."""
    lib = ctypes.CDLL(path)
    if hasattr(lib, "openblas_get_config"):
        lib.openblas_get_config.restype = ctypes.c_char_p
        threading = {0: "sequential", 1: "pthreads", 2: "openmp"}.get(lib.openblas_get_parallel(), "?")
        core = "?"
        if hasattr(lib, "openblas_get_corename"):  # the kernels it runs here, not the build's base target
            lib.openblas_get_corename.restype = ctypes.c_char_p
            core = lib.openblas_get_corename().decode()
        return "OpenBLAS (%s; %s kernels; %s, %d threads)" % (lib.openblas_get_config().decode().strip(), core,
                                                              threading, lib.openblas_get_num_threads())
    if hasattr(lib, "MKL_Get_Version_String"):
        return "MKL"
    if hasattr(lib, "bli_info_get_version_str"):
        lib.bli_info_get_version_str.restype = ctypes.c_char_p
        return "BLIS " + lib.bli_info_get_version_str().decode()
    return "reference BLAS (it names no OpenBLAS, MKL or BLIS entry point)"


def gemm_gflops(n=512, repeats=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # first call: thread pool start-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2.0 * n ** 3 / best / 1e9


def check_blas(allow_reference):
    """Print which BLAS torch's matrix products run on and how fast; exit 2 on the reference BLAS."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
    openblas_dir = "/usr/lib/%s/openblas-openmp" % multiarch
    build = torch.__config__.show()
    blas_info = build.split("BLAS_INFO=")[1].split(",")[0] if "BLAS_INFO=" in build else "?"
    path = sgemm_provider()
    name = blas_name(path) if path else "torch's own (BLAS_INFO=%s)" % blas_info
    gflops = gemm_gflops()
    print("torch_cpu_peer: torch %s BLAS_INFO=%s, sgemm from %s: %s; 512x512x512 matmul %.1f GFLOP/s on %d threads"
          % (torch.__version__, blas_info, path or "libtorch", name, gflops, torch.get_num_threads()),
          file=sys.stderr, flush=True)
    malloc = (("MALLOC_MMAP_THRESHOLD_", "1073741824"), ("MALLOC_TRIM_THRESHOLD_", "4294967296"))
    unset = ["%s=%s" % (var, value) for var, value in malloc if var not in os.environ]
    if unset:
        print("torch_cpu_peer: WARNING: glibc's malloc thresholds are not set, so it unmaps freed activations and "
              "torch page-faults them back each step (about half the throughput); run with " + " ".join(unset),
              file=sys.stderr, flush=True)
    if name.startswith("reference"):
        message = ("torch_cpu_peer: %s the reference BLAS (%s, %.1f GFLOP/s): the figures would measure BLAS, not "
                   "torch. Install libopenblas0-openmp and run with LD_LIBRARY_PATH=%s"
                   % ("WARNING: running on" if allow_reference else "refusing to run on", path, gflops, openblas_dir))
        print(message, file=sys.stderr, flush=True)
        if not allow_reference:
            sys.exit(2)


def run(name, c, model, seq, batch, mode, steps, warmup, seed, start_rss):
    b = make_batch(c, batch, seq, seed)
    lamb = Lamb(model.named_parameters()) if mode == "train" else None

    def one():
        if mode == "train":
            model.loss(b).backward()
            lamb.step()
        else:
            with torch.no_grad():
                model.encode(b) if mode == "infer-encoder" else model.infer(b)

    for _ in range(warmup):
        one()
    start = time.perf_counter()
    for _ in range(steps):
        one()
    step_ms = (time.perf_counter() - start) * 1000 / steps
    print("bench model=%s seq=%d batch=%d mode=%s device=cpu tokens/s=%.1f step_ms=%.2f peak_mem_mib=%.0f"
          % (model_name(name), seq, batch, mode, batch * seq / (step_ms / 1000), step_ms, rss_mib() - start_rss),
          flush=True)


def model_class(reference):
    if not reference:
        try:
            import transformers  # noqa: F401
            return HfModel
        except ImportError:
            pass
    return ReferenceModel


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="base")
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 = all cores")
    p.add_argument("--mode", choices=["train", "infer", "both"], default="both")
    p.add_argument("--encoder-only", action="store_true",
                   help="inference without the MLM and SOP heads (encoder + pooler, as the ONNX export)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reference", action="store_true", help="use the fixtures reference even if HF imports")
    p.add_argument("--allow-reference-blas", action="store_true",
                   help="run (with a warning) even when torch's sgemm is the reference BLAS")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads if a.threads > 0 else os.cpu_count())
    check_blas(a.allow_reference_blas)
    model_cls = model_class(a.reference)
    print("torch_cpu_peer: %d threads, model %s" % (torch.get_num_threads(), model_cls.__name__), file=sys.stderr)
    c = config(a.config)
    start_rss = rss_mib()
    infer = "infer-encoder" if a.encoder_only else "infer"
    for mode in ([infer, "train"] if a.mode == "both" else [infer if a.mode == "infer" else a.mode]):
        # one model per run, inference first, as albert bench
        run(a.config, c, model_cls(c, a.seed), a.seq, a.batch, mode, a.steps, a.warmup, a.seed, start_rss)


if __name__ == "__main__":
    main()

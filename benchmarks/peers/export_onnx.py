#!/usr/bin/env python3
"""Writes ALBERT's encoder + pooler (HF AlbertModel: no MLM or SOP head) as ONNX for the ONNX Runtime peer
(io.albert4j.bench.OnnxRuntimePeer): random weights from a seed, the config presets of torch_cpu_peer.py, opset 14,
batch and sequence dynamic. Inputs input_ids, attention_mask, token_type_ids (int64 [batch, seq]); outputs
last_hidden_state [batch, seq, hidden] and pooler_output [batch, hidden]. Initializer names are AlbertModel's
state-dict keys. Needs only torch (Debian's python3-torch 1.13; the onnx package is not needed):

    /usr/bin/python3 benchmarks/peers/export_onnx.py --config base      # ~/.cache/albert4j/peers/albert-base.onnx
"""
import argparse
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_cpu_peer as peer  # noqa: E402

OPSET = 14  # the choice; torch 1.13 exports up to 16


def default_path(name):
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "albert4j", "peers", peer.model_name(name) + ".onnx")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="base", help="preset as in torch_cpu_peer.py (base, large, ..., tiny)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", help="output file (default: ~/.cache/albert4j/peers/albert-CONFIG.onnx)")
    a = p.parse_args(argv)
    out = a.out or default_path(a.config)
    c = peer.config(a.config)
    model = peer.AlbertEncoder(c, peer.initial_parameters(c, a.seed)).eval()
    # A dummy batch whose two sizes differ, so that no traced shape can stand for the other.
    batch, seq = 2, 16
    sample = peer.make_batch(c, batch, seq, a.seed)
    inputs = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    dynamic = {n: {0: "batch", 1: "sequence"} for n in names}
    dynamic["last_hidden_state"] = {0: "batch", 1: "sequence"}
    dynamic["pooler_output"] = {0: "batch"}
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(model, inputs, tmp, input_names=names, output_names=["last_hidden_state", "pooler_output"],
                          dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    os.replace(tmp, out)  # never leave a half-written model where compare.sh looks for one
    parameters = sum(t.numel() for t in model.parameters())
    print("export_onnx: %s (%s, %.1fM parameters, opset %d, seed %d)"
          % (out, peer.model_name(a.config), parameters / 1e6, OPSET, a.seed), file=sys.stderr)


if __name__ == "__main__":
    main()

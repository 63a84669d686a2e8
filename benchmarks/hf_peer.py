#!/usr/bin/env python3
"""HuggingFace peer benchmark for albert4j on a GPU.

Builds transformers' AlbertForPreTraining from an AlbertConfig with random weights (no download) and times
training steps (forward + backward + AdamW) in four modes: hf-fp32 (SDPA attention in fp32 with TF32 off, the
like-for-like peer of albert4j's fp32 engine), then with bf16 autocast: hf-eager (eager attention), hf-sdpa, and
hf-compile (torch.compile of the SDPA model). Prints one line per run in the format of `albert bench`:

    bench model=albert-base seq=128 batch=32 mode=hf-sdpa device=cuda:0 tokens/s=123456.7 step_ms=33.2 peak_mem_mib=4567

--save DIR writes the model weights (HF parameter names) and one batch with its outputs and loss as safetensors,
so the GPU run can check albert4j's outputs against HF's on the same weights.
"""
import argparse
import os
import sys
import time

SIZES = {
    "base": dict(embedding_size=128, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072),
    "large": dict(embedding_size=128, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                  intermediate_size=4096),
}


def make_model(size, attn_impl, device):
    from transformers import AlbertConfig, AlbertForPreTraining

    config = AlbertConfig(vocab_size=30000, max_position_embeddings=512, hidden_act="gelu_new",
                          hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                          attn_implementation=attn_impl, **SIZES[size])
    return AlbertForPreTraining(config).to(device)


def make_batch(batch, seq, device, seed=0):
    import torch

    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, 30000, (batch, seq), generator=g)
    types = torch.zeros(batch, seq, dtype=torch.long)
    types[:, seq // 2:] = 1
    mask = torch.ones(batch, seq, dtype=torch.long)
    labels = torch.full((batch, seq), -100, dtype=torch.long)
    masked = torch.rand(batch, seq, generator=g) < 0.15
    labels[masked] = ids[masked]
    sop = torch.randint(0, 2, (batch,), generator=g)
    to = lambda t: t.to(device)
    return dict(input_ids=to(ids), token_type_ids=to(types), attention_mask=to(mask), labels=to(labels),
                sentence_order_label=to(sop))


def bench(size, seq, batch, mode, steps, warmup, device):
    import torch

    attn = "eager" if mode == "hf-eager" else "sdpa"
    autocast = mode != "hf-fp32"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = make_model(size, attn, device)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    step_fn = model
    if mode == "hf-compile":
        step_fn = torch.compile(model)
    data = make_batch(batch, seq, device)

    def one_step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=autocast):
            loss = step_fn(**data).loss
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(warmup):
        one_step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(steps):
        one_step()
    torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    step_ms = elapsed / steps * 1000
    tokens = batch * seq * steps / elapsed
    peak = torch.cuda.max_memory_allocated() / (1 << 20)
    print(f"bench model=albert-{size} seq={seq} batch={batch} mode={mode} device={device} "
          f"tokens/s={tokens:.1f} step_ms={step_ms:.2f} peak_mem_mib={peak:.0f}", flush=True)
    del model, optimizer, step_fn
    torch.cuda.empty_cache()


def save_reference(size, seq, batch, directory, device):
    """Weights, one batch, and HF's fp32 outputs (no dropout) for albert4j to compare against."""
    import torch
    from safetensors.torch import save_file

    os.makedirs(directory, exist_ok=True)
    torch.manual_seed(0)
    model = make_model(size, "eager", device).eval()
    model.config.save_pretrained(directory)
    save_file({k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()},
              os.path.join(directory, "model.safetensors"))
    data = make_batch(batch, seq, device, seed=1)
    with torch.no_grad():
        out = model(**data)
    tensors = {k: v.to(torch.int32).cpu() for k, v in data.items()}
    tensors["prediction_logits"] = out.prediction_logits.float().cpu().contiguous()
    tensors["sop_logits"] = out.sop_logits.float().cpu().contiguous()
    tensors["loss"] = out.loss.float().reshape(1).cpu()
    save_file(tensors, os.path.join(directory, "outputs.safetensors"))
    print(f"saved reference weights and outputs to {directory}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES) + ["all"], default="all")
    parser.add_argument("--seq", type=int, choices=[128, 512], nargs="*", default=[128, 512])
    parser.add_argument("--batch", type=int, default=0, help="0: 32 at seq 128, 8 at seq 512")
    parser.add_argument("--mode", choices=["hf-fp32", "hf-eager", "hf-sdpa", "hf-compile", "all"], nargs="*",
                        default=["all"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--save", metavar="DIR", help="also save weights + outputs (safetensors) for checking")
    args = parser.parse_args(argv)

    import torch

    if not torch.cuda.is_available():
        print("hf_peer: no CUDA device visible to torch", file=sys.stderr)
        return 2
    device = "cuda:0"
    sizes = sorted(SIZES) if args.size == "all" else [args.size]
    seqs = args.seq if isinstance(args.seq, list) else [args.seq]
    modes = ["hf-fp32", "hf-eager", "hf-sdpa", "hf-compile"] if "all" in args.mode else args.mode
    for size in sizes:
        for seq in seqs:
            batch = args.batch or (32 if seq == 128 else 8)
            if args.save:
                save_reference(size, seq, 2, os.path.join(args.save, f"{size}-{seq}"), device)
            for mode in modes:
                bench(size, seq, batch, mode, args.steps, args.warmup, device)
    return 0


if __name__ == "__main__":
    sys.exit(main())

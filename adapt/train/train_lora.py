"""Trains a LoRA adapter on a GGUF model and converts it to a GGUF adapter; driven by `streamlink adapt train`
(adapt/trainer.ts), which prepares the pairs and reads the JSON lines this script prints on stdout:
  {"event": "loaded", "seconds", "trainable"}   the model is read (dequantised) and the LoRA attached
  {"event": "step", "step", "of", "loss", "seconds"}   one optimiser step (one pair), loss on the answer tokens
  {"event": "saved", "step"}                      a checkpoint the next run with the same --out resumes from
  {"event": "done", "steps", "loss", "seconds", "adapter"}   the GGUF adapter is written
Everything else (library logs) goes to stderr.

Each record of --data is {"messages": [{"role", "content"}...], "answer": "..."}: the prompt is rendered with the
model's own chat template (read from the GGUF) and only the answer's tokens (and the end-of-turn token) are learnt.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gguf", required=True, help="the base model, a GGUF file")
    p.add_argument("--data", required=True, help="JSON lines {messages, answer}, in training order")
    p.add_argument("--out", required=True, help="working folder: checkpoint/, hf/, base/")
    p.add_argument("--adapter", required=True, help="the GGUF adapter to write")
    p.add_argument("--rank", type=int, default=4)
    p.add_argument("--targets", default="q_proj,v_proj")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--steps", type=int, required=True, help="most optimiser steps (one pair each)")
    p.add_argument("--budget-s", type=float, required=True, help="stop before a step that would end past this")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--checkpoint-every", type=int, default=10)
    args = p.parse_args()
    started = time.time()

    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    folder, name = os.path.split(os.path.abspath(args.gguf))
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.config.use_cache = False

    checkpoint = os.path.join(args.out, "checkpoint")
    state_file = os.path.join(checkpoint, "state.json")
    resumed = os.path.exists(state_file)
    if resumed:
        model = PeftModel.from_pretrained(model, checkpoint, is_trainable=True)
        state = json.load(open(state_file))
    else:
        config = LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.0,
                            target_modules=args.targets.split(","), task_type="CAUSAL_LM")
        model = get_peft_model(model, config)
        state = {"step": 0, "losses": []}
    optimiser = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=args.lr)
    if resumed and os.path.exists(os.path.join(checkpoint, "optimiser.pt")):
        optimiser.load_state_dict(torch.load(os.path.join(checkpoint, "optimiser.pt")))
    trainable = sum(q.numel() for q in model.parameters() if q.requires_grad)
    emit("loaded", seconds=round(time.time() - started, 1), trainable=trainable, resumedAt=state["step"])

    records = [json.loads(line) for line in open(args.data) if line.strip()]
    model.train()
    loop_started = time.time()
    step_times = []
    while state["step"] < args.steps:
        # The next step would probably end past the budget: stop here, with what is learnt so far.
        expected = (sum(step_times) / len(step_times)) if step_times else 0
        if time.time() - started + expected > args.budget_s:
            break
        t0 = time.time()
        record = records[state["step"] % len(records)]
        prompt = tokenizer.apply_chat_template(record["messages"], add_generation_prompt=True, tokenize=False)
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        # The answer as the template closes a turn (its end-of-turn token included), so the model learns to stop.
        full = tokenizer.apply_chat_template(record["messages"] + [{"role": "assistant", "content": record["answer"]}],
                                             tokenize=False)
        answer_ids = tokenizer(full[len(prompt):] if full.startswith(prompt) else record["answer"] + (tokenizer.eos_token or ""),
                               add_special_tokens=False)["input_ids"]
        ids = torch.tensor([prompt_ids + answer_ids])
        labels = torch.tensor([[-100] * len(prompt_ids) + answer_ids])
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        state["step"] += 1
        state["losses"].append(round(loss.item(), 4))
        step_times.append(time.time() - t0)
        emit("step", step=state["step"], of=args.steps, loss=state["losses"][-1], seconds=round(step_times[-1], 1),
             tokens=len(prompt_ids) + len(answer_ids))
        if state["step"] % args.checkpoint_every == 0:
            save_checkpoint(model, optimiser, state, checkpoint)
    if state["step"] % args.checkpoint_every != 0:
        save_checkpoint(model, optimiser, state, checkpoint)

    # The converter reads a Hugging Face config of the base model; the one transformers built from the GGUF has
    # no "architectures" (the converter needs it) and the GGUF's quantisation (which the adapter does not have).
    hf = os.path.join(args.out, "hf")
    base = os.path.join(args.out, "base")
    model.save_pretrained(hf)
    os.makedirs(base, exist_ok=True)
    config = model.get_base_model().config.to_dict()
    config.pop("quantization_config", None)
    config["architectures"] = [type(model.get_base_model()).__name__]
    json.dump(config, open(os.path.join(base, "config.json"), "w"), indent=1)
    tokenizer.save_pretrained(base)
    converter = os.path.join(os.path.dirname(sys.executable), "..", "llama.cpp", "convert_lora_to_gguf.py")
    log = os.path.join(args.out, "convert.log")
    with open(log, "w") as sink:
        converted = subprocess.run([sys.executable, converter, hf, "--base", base, "--outfile", args.adapter, "--outtype", "f32"],
                                   stdout=sink, stderr=subprocess.STDOUT)
    if converted.returncode != 0:
        sys.stderr.write(open(log).read()[-4000:])
        sys.exit(f"convert_lora_to_gguf.py failed (exit {converted.returncode}); its log: {log}")
    # The mean loss of the last steps: a single pair's loss swings with its length.
    tail = state["losses"][-10:]
    emit("done", steps=state["step"], loss=round(sum(tail) / len(tail), 4) if tail else None,
         seconds=round(time.time() - started, 1), trainSeconds=round(time.time() - loop_started, 1),
         adapter=args.adapter)


def save_checkpoint(model, optimiser, state, checkpoint):
    import torch
    partial = checkpoint + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    torch.save(optimiser.state_dict(), os.path.join(partial, "optimiser.pt"))
    json.dump(state, open(os.path.join(partial, "state.json"), "w"))
    shutil.rmtree(checkpoint, ignore_errors=True)
    os.replace(partial, checkpoint)
    emit("saved", step=state["step"])


if __name__ == "__main__":
    main()

"""Drives a real kernel through jupyter_client for the kernel tests: reads a JSON list of steps on stdin,
prints one JSON object per step with the execute reply and every IOPub message of that request.

A step: {"code": str, "interrupt_after_s": float?, "timeout_s": float?, "queue": [str]?, "pause_s": float?}
"queue" sends more cells right after "code" without waiting, to test what happens to queued cells.
A step {"request": "complete"|"inspect", "code": str, "cursor_pos": int} sends that request instead of running
the code (Tab and Shift+Tab in a notebook); its reply comes back with no IOPub messages.
"""
import json
import os
import sys
import time

from jupyter_client.manager import start_new_kernel


BUFFER = {}


def collect(kc, msg_id, timeout):
    """IOPub messages of one request until it is idle; messages of other requests are kept for later."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        messages = BUFFER.get(msg_id, [])
        if messages and messages[-1]["type"] == "status" and messages[-1]["content"]["execution_state"] == "idle":
            return messages
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        except Exception:
            continue
        parent = msg["parent_header"].get("msg_id")
        BUFFER.setdefault(parent, []).append({"type": msg["msg_type"], "content": msg["content"]})
    return BUFFER.get(msg_id, [])


def main():
    steps = json.load(sys.stdin)
    cwd = sys.argv[1] if len(sys.argv) > 1 else "."
    # A test may start another kernelspec (the scripted-model kernel of test/support/scripted-kernel.ts).
    km, kc = start_new_kernel(kernel_name=os.environ.get("STREAMLINK_TEST_KERNEL", "streamlink"), cwd=cwd)
    try:
        for step in steps:
            timeout = step.get("timeout_s", 60)
            time.sleep(step.get("pause_s", 0))
            if step.get("request") in ("complete", "inspect"):
                started = time.time()
                ask = kc.complete if step["request"] == "complete" else kc.inspect
                msg_id = ask(step["code"], step["cursor_pos"])
                reply = kc.get_shell_msg(timeout=timeout)
                while reply["parent_header"].get("msg_id") != msg_id:
                    reply = kc.get_shell_msg(timeout=timeout)
                print(json.dumps({"reply": reply["content"], "iopub": [], "seconds": time.time() - started, "queued": []}), flush=True)
                continue
            msg_id = kc.execute(step["code"])
            queued = [kc.execute(code) for code in step.get("queue", [])]
            started = time.time()
            if "interrupt_after_s" in step:
                time.sleep(step["interrupt_after_s"])
                km.interrupt_kernel()
            reply = kc.get_shell_msg(timeout=timeout)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = kc.get_shell_msg(timeout=timeout)
            result = {"reply": reply["content"], "iopub": collect(kc, msg_id, timeout), "seconds": time.time() - started, "queued": []}
            for qid in queued:
                qreply = kc.get_shell_msg(timeout=timeout)
                result["queued"].append({"reply": qreply["content"], "iopub": collect(kc, qid, timeout)})
            print(json.dumps(result), flush=True)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


main()

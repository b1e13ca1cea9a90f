// noxkey: keeps vault secrets out of what opencode's model sees.
// Written by `noxkey hooks install --agent opencode`; removed by
// `noxkey hooks uninstall --agent opencode`. Edits here are overwritten.
//
// Every tool's output goes through noxkey-hook before the model sees it
// (tool.execute.after replaces output.output); a prompt holding a secret
// is refused (chat.message). When noxkey-hook gives no answer it can read,
// the plugin withholds the output, or refuses the call: it fails closed.
import { spawnSync } from "node:child_process"

const HOOK = __NOXKEY_HOOK__

function ask(payload) {
  const r = spawnSync(HOOK, ["opencode"], {
    input: JSON.stringify(payload),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 30000,
  })
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : "exit " + r.status + (r.stderr ? ": " + r.stderr.trim() : "")
    return { block: "noxkey-hook gave no answer (" + why + "); run: noxkey doctor" }
  }
  try {
    return JSON.parse(r.stdout)
  } catch (e) {
    return { block: "noxkey-hook's answer is not JSON; run: noxkey doctor" }
  }
}

export const NoxkeyPlugin = async () => ({
  "tool.execute.before": async (input, output) => {
    if (input.tool !== "bash" || typeof output.args?.command !== "string") return
    const a = ask({ event: "before", tool: input.tool, args: output.args })
    if (typeof a.block === "string") throw new Error(a.block)
    if (typeof a.command === "string") output.args.command = a.command // in place: opencode keeps this object
  },
  "tool.execute.after": async (input, output) => {
    if (typeof output.output !== "string" || output.output === "") return
    const a = ask({ event: "after", tool: input.tool, output: output.output })
    if (typeof a.block === "string") output.output = "[noxkey: output withheld] " + a.block
    else if (typeof a.output === "string") output.output = a.output
  },
  "chat.message": async (input, output) => {
    const text = (output.parts ?? []).filter((p) => p.type === "text").map((p) => p.text).join("\n")
    if (text === "") return
    const a = ask({ event: "prompt", prompt: text })
    if (typeof a.block === "string") throw new Error(a.block)
  },
})

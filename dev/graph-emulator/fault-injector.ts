// Fault rules set through the admin API. Each call to a route is matched against the rules in the order
// they were added; the first rule that matches and still has applications left decides the fault.
import { randomUUID } from "node:crypto";
import type { EmulatorRoute, FaultAction, FaultRule, FaultRuleInput } from "./admin-client.ts";

const ACTION_KINDS = new Set<FaultAction["kind"]>([
  "throttle",
  "error",
  "failAfterAccept",
  "expireToken",
  "notFound",
  "dropSession",
  "emptyBody",
  "corruptHash",
  "delay",
  "disconnect",
  "redirect",
  "uploadUrl",
]);

export class FaultInjector {
  #rules: FaultRule[] = [];

  add(input: FaultRuleInput): FaultRule {
    if (!input || typeof input !== "object" || typeof input.route !== "string") {
      throw new Error('Invalid fault rule: "route" is required');
    }
    if (!input.action || !ACTION_KINDS.has(input.action.kind)) {
      throw new Error(`Invalid fault rule: unknown action kind "${input.action?.kind}"`);
    }
    const rule: FaultRule = {
      id: randomUUID(),
      route: input.route,
      skip: input.skip ?? 0,
      times: input.times ?? 1,
      action: input.action,
      seen: 0,
      applied: 0,
      ...(input.lastFragment === undefined ? {} : { lastFragment: input.lastFragment }),
    };
    this.#rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.#rules.map((rule) => ({ ...rule }));
  }

  clear(): void {
    this.#rules = [];
  }

  /** The fault to apply to this call, if any (a call counts against the matching rules up to the one that applies). */
  take(route: EmulatorRoute, context: { lastFragment?: boolean } = {}): FaultAction | undefined {
    for (const rule of this.#rules) {
      if (rule.route !== "*" && rule.route !== route) continue;
      if (rule.lastFragment !== undefined && context.lastFragment !== rule.lastFragment) continue;
      if (rule.times !== 0 && rule.applied >= rule.times) continue;
      rule.seen += 1;
      if (rule.seen <= rule.skip) continue;
      rule.applied += 1;
      return rule.action;
    }
    return undefined;
  }
}

/** What the Cypher risk rules found for one text: the worst risk, whether it writes, and why, most serious reason first. */
import type { Risk } from '../operations/operation';
import type { StatementRisk } from '../query/risk';

const RANK: Record<Risk, number> = { safe: 0, heavy: 1, blocking: 2, destructive: 3 };

export class Verdict {
  risk: Risk = 'safe';
  writes = false;
  /** Its effect reaches beyond its text (a trigger, a security change, an unknown procedure): asked on production even when safe. */
  asksOnProduction = false;
  private readonly found: { rank: number; text: string }[] = [];

  add(risk: Risk, reason: string | undefined, writes = true): void {
    if (RANK[risk] > RANK[this.risk]) this.risk = risk;
    if (writes) this.writes = true;
    if (reason && !this.found.some((r) => r.text === reason)) this.found.push({ rank: RANK[risk], text: reason });
  }

  merge(other: Verdict, keep: (reason: string) => boolean = () => true): void {
    if (RANK[other.risk] > RANK[this.risk]) this.risk = other.risk;
    if (other.writes) this.writes = true;
    if (other.asksOnProduction) this.asksOnProduction = true;
    for (const r of other.found) if (keep(r.text) && !this.found.some((f) => f.text === r.text)) this.found.push(r);
  }

  reasons(): string[] {
    return [...this.found].sort((a, b) => b.rank - a.rank).map((r) => r.text);
  }

  result(explainable: boolean): StatementRisk {
    return { risk: this.risk, reasons: this.reasons(), writes: this.writes, explainable, ...(this.asksOnProduction ? { asksOnProduction: true } : {}) };
  }
}

import { toIso } from '../schemas/common.js';
import type { JudgedClaim } from './ledger.js';

/** A claim with its verdict, as GET /claims shows it. */
export function claimView({ claim, verdict: v }: JudgedClaim) {
  return {
    id: claim.id ?? '',
    at: toIso(claim.at),
    metric: claim.metric,
    ...(claim.value === undefined ? {} : { value: claim.value }),
    ...(claim.stateValue === undefined ? {} : { stateValue: claim.stateValue }),
    claimant: claim.claimant,
    ...(claim.quote === undefined ? {} : { quote: claim.quote }),
    ...(claim.sourceUrl === undefined ? {} : { sourceUrl: claim.sourceUrl }),
    verdict: {
      label: v.label,
      reason: v.reason,
      ...(v.measured === undefined ? {} : { measured: v.measured }),
      ...(v.measuredAt === undefined ? {} : { measuredAt: toIso(v.measuredAt) }),
      ...(v.measuredState === undefined ? {} : { measuredState: v.measuredState }),
      ...(v.peakSoFar === undefined ? {} : { peakSoFar: v.peakSoFar }),
      ...(v.ratio === undefined ? {} : { ratio: v.ratio }),
    },
  };
}

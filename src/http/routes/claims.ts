import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { claimEvent, claimShapeProblem, type Claim } from '../../claims/claim.js';
import { judgeClaims, loadClaims } from '../../claims/ledger.js';
import { CONSISTENT_HIGH, CONSISTENT_LOW, toleranceMs } from '../../claims/verdict.js';
import { SpacewatchError } from '../../errors.js';
import { instantMs } from '../instant.js';
import { ClaimInput, ClaimList, ClaimView } from '../schemas/claims.js';
import { BEARER, withErrors } from '../schemas/error.js';
import { TargetParams } from '../schemas/target.js';
import { claimView } from '../../claims/view.js';
import { loadTarget } from './targets.js';

/** The claim a request describes; its value / stateValue checked as claimShapeProblem says. */
function toClaim(body: ClaimInput): Claim {
  const at = instantMs(body.at, 'body.at');
  const problem = claimShapeProblem(body);
  if (problem) throw new SpacewatchError('SW_VALIDATION', `body.${problem}`);
  const claim: Claim = { at, metric: body.metric, claimant: body.claimant };
  if (body.value !== undefined) claim.value = body.value;
  if (body.stateValue !== undefined) claim.stateValue = body.stateValue;
  if (body.quote !== undefined) claim.quote = body.quote;
  if (body.sourceUrl !== undefined) claim.sourceUrl = body.sourceUrl;
  return claim;
}

const VERDICT_DOC =
  'Verdicts are computed when read, from the observations stored at that moment: a claim posted before any measurement covered its instant is ' +
  're-judged once imported observations arrive. `listeners` is set against the nearest listener count within the tolerance ' +
  `(max(2 × intervalMs, 60 s)): claimed ÷ measured within ${CONSISTENT_LOW}–${CONSISTENT_HIGH} is consistent, above overstated, below understated. ` +
  '`views` are cumulative impressions: always unverifiable, never a ratio. `capacity` is set against the peak and against plateaus where joins failed ' +
  '(README "Claims"). `state` is set against the state reported nearest the instant. A claim about an instant still in the future is unverifiable.';

const claims: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/targets/:id/claims',
    {
      schema: {
        tags: ['claims'],
        summary: 'Record an audience or state claim',
        description: `Stored as a \`claim\` event; the answer carries the verdict as of now. ${VERDICT_DOC}`,
        security: BEARER,
        params: TargetParams,
        body: ClaimInput,
        response: withErrors({ 201: ClaimView }),
      },
    },
    async (request, reply) => {
      const target = await loadTarget(app, request.params.id);
      const claim = toClaim(request.body);
      claim.id = await app.store.appendEvent(target.id, claimEvent(claim));
      const [judged] = await judgeClaims(app.store, target, [claim], Date.now());
      reply.code(201);
      return claimView(judged!);
    },
  );

  app.get(
    '/targets/:id/claims',
    {
      schema: {
        tags: ['claims'],
        summary: 'Every claim with its verdict',
        description: VERDICT_DOC,
        params: TargetParams,
        response: withErrors({ 200: ClaimList }),
      },
    },
    async (request) => {
      const target = await loadTarget(app, request.params.id);
      const judged = await loadClaims(app.store, target, Date.now());
      return { toleranceMs: toleranceMs(target.intervalMs), claims: judged.map(claimView) };
    },
  );
};

export default claims;

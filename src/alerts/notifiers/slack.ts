import { Type, type Static } from '@sinclair/typebox';
import type { Transition } from '../types.js';
import { describeValues, formatDuration, iso, targetLink } from './format.js';
import { postJson, redactUrl } from './http.js';
import { notifierBaseFields, type Notifier, type NotifierDefinition } from './notifier.js';

// Slack incoming webhook (https://api.slack.com/messaging/webhooks): `text` is the fallback shown
// in push notifications and by clients that cannot draw blocks; `blocks` is what the channel shows.
// The webhook URL itself is the credential (anyone holding it can post), so it is never logged.

export const SlackConfig = Type.Object({ kind: Type.Literal('slack'), ...notifierBaseFields() }, { additionalProperties: false });
export type SlackConfig = Static<typeof SlackConfig>;

export interface SlackPayload {
  text: string;
  blocks: (
    | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
    | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  )[];
}

const EMOJI = { firing: ':rotating_light:', resolved: ':white_check_mark:' } as const;
// A section's text may hold 3000 characters; a summary longer than this is cut.
const SUMMARY_LIMIT = 2500;

/**
 * `&`, `<` and `>` are Slack's control characters (`<!channel>` would ping everyone), so text that
 * came from a detector or a platform is escaped before it goes into mrkdwn.
 */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackPayload(t: Transition, publicUrl: string | undefined): SlackPayload {
  const a = t.alert;
  const state = t.to === 'resolved' ? 'resolved' : 'firing';
  const word = state.toUpperCase();
  const summary = escapeMrkdwn(a.condition.summary.length > SUMMARY_LIMIT ? `${a.condition.summary.slice(0, SUMMARY_LIMIT)}…` : a.condition.summary);
  const link = targetLink(publicUrl, a.targetId);

  const context: string[] = [];
  const since = a.firedAt ?? a.activeAt;
  if (state === 'firing') context.push(`since ${slackDate(since)}`);
  else if (a.resolvedAt !== undefined) context.push(`resolved ${slackDate(a.resolvedAt)} after ${formatDuration(a.resolvedAt - since)}`);
  context.push(escapeMrkdwn(describeValues(a)));
  if (link) context.push(`<${link}|Open in spacewatch>`);

  return {
    text: `${EMOJI[state]} ${word}: ${a.rule} on ${a.targetId} — ${summary}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[state]} *${word}* · *${a.rule}* · \`${a.targetId}\`\n${summary}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}

/** Slack renders `<!date^…>` in each reader's own time zone; the text after `|` is the fallback. */
function slackDate(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time_secs}|${iso(ms)}>`;
}

export const slack: NotifierDefinition<SlackConfig> = {
  kind: 'slack',
  configSchema: SlackConfig,
  description: 'Slack incoming webhook: a fallback `text` and a compact block (state, rule, target, summary, link)',
  create(config, deps): Notifier {
    return {
      name: config.name,
      kind: 'slack',
      endpoint: redactUrl(config.url),
      timeoutMs: config.timeoutMs,
      async send(t, ctx) {
        const body = Buffer.from(JSON.stringify(slackPayload(t, ctx.publicUrl)), 'utf8');
        await postJson(config.url, body, { dispatcher: deps.dispatcher, signal: ctx.signal });
      },
    };
  },
};

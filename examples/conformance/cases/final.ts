/** Last case: the suite never fed a malformed frame or hit a handler exception on any board. */
import type { Case } from '../context.js';

export const finalCases: Case[] = [
  {
    name: 'stats: no malformed frames, no handler errors, nothing left queued',
    boards: 2,
    async run(ctx) {
      const s = ctx.mcapi.stats();
      ctx.assertEqual(s.handlerErrors, 0, `handler errors (${ctx.mcapi.lastHandlerError()})`);
      ctx.assertEqual(s.malformed, 0, 'malformed frames');
      ctx.assertEqual(s.queuedMessages, 0, 'messages still queued');
      ctx.assertEqual(s.channelBufferBytes, 0, 'channel buffer bytes still reserved');
      ctx.assertEqual(s.openChannels, 0, 'channels still open');
      ctx.assertEqual(s.packetsInUse, 0, 'packets not released');
      ctx.assertEqual(s.blockedSenders, 0, 'refused messages remembered');
      ctx.assert(s.msgDelivered > 0 && s.framesIn > 0, 'counters moved');
    },
  },
];

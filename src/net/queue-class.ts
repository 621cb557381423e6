/**
 * Who is queueing: a local send (refused first: the caller can wait and retry), a frame in
 * transit (it cannot be refused upstream, so it may use twice the queue), or the layer's own
 * LSAs (256 places more still, so routing keeps working under any load). `bulk`: a local send
 * of a low-priority type (NetLayer.lowPriority: checkpoint streams), taken only when it can go
 * out at once (nothing queued, room in the window) and the line has less than one largest
 * frame still to send: a frame on the application's critical path (a halo exchange, a
 * barrier) then never waits behind more than about two of them. It is refused, not queued:
 * a queued frame already has its end-to-end sequence number, and the peer delivers in that
 * order, so a later urgent frame to the same node would wait for it anyway.
 */
export type QueueClass = 'local' | 'transit' | 'control' | 'bulk';

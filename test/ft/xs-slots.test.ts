/**
 * The XS slots of a checkpoint round's parts on a Laplace board, counted in a real XS machine
 * (gc() + currentHeapCount around each step; test/ft/fixtures/xs-slots-main.ts): the rank's own
 * tentative data, the round's record with the app's promise, the buddy's receiver and the delta
 * it holds. They sit at every checkpoint round's peak (docs/FOOTPRINT.md "Round 15: Laplace slots").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, loadAndBase, xsProbe } from '../xs/fixtures/slot-probe.js';

const bundle = (): Promise<string> => bundleFixture(new URL('./fixtures/xs-slots-main.js', import.meta.url));

/**
 * Bounds, XS slots. Main c592b57 (before Round 15), the same steps: own data 54, record and
 * promise 38, the buddy's delta with its receiver 73, and 73 once whole (the receiver was kept to
 * the decision). Round 15: 41, 34, 50 and 43 (segment tables and runs as Arrays, no copies in the
 * record, the receiver's numbers in one Array, no receiver once the delta is whole). Round 18:
 * 32, 34, 41 and 34 (a Pending's nine numbers and flags in one Array behind accessors); the
 * bounds on own data and the buddy's delta fail on main b152785. Round 19: record and promise
 * 29 (a blocking round keeps the app promise's resolve, not its reject); the bound fails on
 * main 0df1b0e (34). Round 20b: own data 23, the buddy's delta with its receiver 31, 24 once
 * whole (a Pending's segment table and its runs one Array each, not five parallel ones); the
 * bounds on own data and the buddy's delta fail on main 08b8a58 (32, 41 and 34). Round 21:
 * record and promise 27 (no `stored` field: `waiting` says it, ROUND_STORED; no `blocking`:
 * it follows from `resolve` and `settled`); the fixture makes the record with the code's
 * newRankRound, and main d585e90's record (its literal there) is 29: the bound fails on it.
 */
const OWN_MAX = 26;
const ENTRY_MAX = 28;
const WARD_MAX = 34;
const WARD_HELD_MAX = 27;

test(`a checkpoint round holds at most ${OWN_MAX} XS slots of own data, ${ENTRY_MAX} of record and promise, ${WARD_MAX} of a buddy's delta and receiver (${WARD_HELD_MAX} once whole)`, async (t) => {
  const w = new XsWorker({ name: 'ft-slots', stdout: 'ignore' });
  const probe = xsProbe(w);
  const { text, step } = probe;
  try {
    const base = await loadAndBase(w, probe, await bundle());
    const own = (await step('capture')) - base;
    const entry = (await step('entry')) - base;
    const ward = (await step('receive')) - base;
    const dropped = (await step('dropReceiver')) - base;
    // One run of the app's bytes and one of the band's on each side; the delta whole.
    t.is(await text('check()'), '2 2 1');
    t.log(`own data ${own}, record and promise ${entry}, the buddy's delta and receiver ${ward}, once whole ${ward + dropped}`);
    t.true(own <= OWN_MAX, `own data ${own} slots`);
    t.true(entry <= ENTRY_MAX, `record and promise ${entry} slots`);
    t.true(ward <= WARD_MAX, `the buddy's delta and receiver ${ward} slots`);
    t.true(ward + dropped <= WARD_HELD_MAX, `the buddy's whole delta ${ward + dropped} slots`);
  } finally {
    await w.kill();
  }
});

/**
 * Bounds, XS slots. Main 0df1b0e (before Round 19): a stream's sender in its record 16, a
 * detector's peer 11, the module's figures 8 (each a Float64Array: the view and its buffer, 7
 * slots). Round 19: 11, 6 and 3 (plain Arrays of numbers, 2 slots; docs/FOOTPRINT.md "Round 19");
 * each bound fails on main (main: 16, 11, 8).
 */
const SENDER_MAX = 13;
const PEER_MAX = 7;
const FIGURES_MAX = 4;

test(`a round's stream sender holds at most ${SENDER_MAX} XS slots, a detector's peer ${PEER_MAX}, FT's figures ${FIGURES_MAX}`, async (t) => {
  const w = new XsWorker({ name: 'ft-slots-run', stdout: 'ignore' });
  const probe = xsProbe(w);
  const { step } = probe;
  try {
    const base = await loadAndBase(w, probe, await bundle());
    await step('capture');
    const sender = (await step('sender')) - base;
    const peer = (await step('peer')) - base;
    const figures = (await step('figures')) - base;
    t.log(`a stream's sender ${sender}, a detector's peer ${peer}, the figures ${figures}`);
    t.true(sender <= SENDER_MAX, `a stream's sender ${sender} slots`);
    t.true(peer <= PEER_MAX, `a detector's peer ${peer} slots`);
    t.true(figures <= FIGURES_MAX, `FT's figures ${figures} slots`);
  } finally {
    await w.kill();
  }
});

/**
 * Bound, XS slots: a buddy's delta and receiver in a round whose app state's encoding grew a
 * byte (a resized, zero-based segment beside the band's ~17 KB patch in 2 100-byte frames).
 * Main 0df1b0e: 99 (a zero-based segment kept the receiver from its arena: a run and an array
 * per frame, 9 runs). Round 19: 44 (the arena kept when the zero-based segments are short: the
 * band's patch one run; 41 when the app state keeps its size, the test above). Round 20b: 34
 * (a Pending's table and runs one Array each); the bound fails on main 08b8a58 (44).
 */
const WARD_RESIZED_MAX = 37;

test(`a buddy's delta whose app state grew a byte holds at most ${WARD_RESIZED_MAX} XS slots with its receiver`, async (t) => {
  const w = new XsWorker({ name: 'ft-slots-resized', stdout: 'ignore' });
  const probe = xsProbe(w);
  const { text, step } = probe;
  try {
    const base = await loadAndBase(w, probe, await bundle());
    await step('captureResized');
    const ward = (await step('receiveResized')) - base;
    // The app's spans went into its zero-based segment; the band's patch is one run, not one per frame.
    t.is(await text('checkResized()'), '1 1');
    t.log(`the buddy's delta and receiver ${ward}`);
    t.true(ward <= WARD_RESIZED_MAX, `the buddy's delta and receiver ${ward} slots`);
  } finally {
    await w.kill();
  }
});

/**
 * Bound, XS slots: what a buddy holds between the ward's first CKPT_DATA frame and its second
 * (its Pending with the table and the first runs, the receiver, the place for the rest of the
 * delta): live in every `links[0] receive` job of the ward's stream, the jobs where the lin
 * boards' collections peak in checkpoint rounds (docs/FOOTPRINT.md "Round 21: the ward's delta").
 * Main 049e14d: 36 (the arena kept as a view over its whole buffer, in a field, beside the
 * runs' views of it). Round 21: 31 (the Pending's last run is the receiver's way to the arena);
 * the bound fails on main.
 */
const WARD_FIRST_MAX = 33;

test(`a buddy holds at most ${WARD_FIRST_MAX} XS slots between the ward's first frame and its second`, async (t) => {
  const w = new XsWorker({ name: 'ft-slots-first', stdout: 'ignore' });
  const probe = xsProbe(w);
  const { text, step } = probe;
  try {
    const base = await loadAndBase(w, probe, await bundle());
    await step('setupFirst');
    const first = (await step('receiveFirst')) - base;
    // The app's byte and the band's first piece: two runs in an arena of the whole rest.
    t.is(await text('checkFirst()'), '2 17414');
    t.log(`after the first frame ${first}`);
    t.true(first <= WARD_FIRST_MAX, `the buddy's receiver after one frame ${first} slots`);
  } finally {
    await w.kill();
  }
});

/**
 * Bounds, XS slots: what committed rounds leave held on a coordinator and its one member (two
 * FaultTolerance modules in one XS machine; test/ft/fixtures/xs-roles-main.ts), each step a
 * blocking round run to its commit and on for the rest of a second. The first round leaves the
 * committed images of both ranks on both boards, and on main 1c9a4c7 the coordinator's role
 * too: its tally of the decided round (held to the next round) and the net's loopback queue and
 * deadline, made by the coordinator's CKPT_START and CKPT_STORED to itself and held all run:
 * 110. Round 20: the tally goes at the decision and the coordinator's frames to itself go
 * through a zero-delay timer: 88 (docs/FOOTPRINT.md "Round 20"); the bound fails on main. Later
 * rounds leave nothing (0 on main too: a guard).
 */
const FIRST_ROUND_MAX = 92;
const NEXT_ROUND_MAX = 4;

test(`a first committed round leaves at most ${FIRST_ROUND_MAX} XS slots held on a coordinator and its member, a later one ${NEXT_ROUND_MAX}`, async (t) => {
  const w = new XsWorker({ name: 'ft-slots-roles', stdout: 'ignore' });
  const probe = xsProbe(w);
  const { text, step } = probe;
  try {
    const base = await loadAndBase(w, probe, await bundleFixture(new URL('./fixtures/xs-roles-main.js', import.meta.url)));
    await step('start');
    const first = (await step('round')) - base;
    const second = (await step('round')) - base;
    const third = (await step('round')) - base;
    // Both runs started, six calls resolved, three rounds committed on each board, no failure.
    t.is(await text('check()'), '2 6 3,3 ');
    t.log(`held after the first round ${first}, the second ${second}, the third ${third}`);
    t.true(first <= FIRST_ROUND_MAX, `first round ${first} slots`);
    t.true(second <= NEXT_ROUND_MAX && third <= NEXT_ROUND_MAX, `later rounds ${second}, ${third} slots`);
  } finally {
    await w.kill();
  }
});

/**
 * Bound, XS slots: a ByteReader over a frame's payload, two numbers read (a StreamReceiver's for
 * every frame of a ward's delta, live through the frame's apply and the arena's allocation,
 * where the buddy's collections peak). Main 7099533: 9 (its own DataView over the payload, an
 * object and its view). Round 22: 5 (numbers read byte by byte); the bound fails on main.
 */
const READER_MAX = 7;

test(`a frame's ByteReader holds at most ${READER_MAX} XS slots`, async (t) => {
  const w = new XsWorker({ name: 'ft-slots-reader', stdout: 'ignore' });
  const probe = xsProbe(w);
  try {
    const base = await loadAndBase(w, probe, await bundle());
    await probe.step('payloadForReader');
    const reader = (await probe.step('reader')) - base;
    t.log(`a reader ${reader}`);
    t.true(reader <= READER_MAX, `a reader ${reader} slots`);
  } finally {
    await w.kill();
  }
});

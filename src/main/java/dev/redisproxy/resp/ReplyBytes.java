package dev.redisproxy.resp;

import dev.redisproxy.frontend.ReplyBudget;

/**
 * The bytes one connection holds for its client, against its own bound ({@link #MAX_QUEUED_BYTES})
 * and its instance's {@link ReplyBudget}: values answered and not yet written ({@code held}),
 * batches handed to the socket and not yet taken by the kernel ({@code unflushed}), and for each
 * lookup in flight the bytes its answer is expected to bring ({@code reserved}).
 *
 * <p>Why reserve: the size of a value is known only when its answer arrives, so counting only what
 * has arrived would let a pipeline of GETs of large values send 256 lookups at once and be answered
 * 256 large values. Each lookup reserves the connection's {@code estimate}, which starts at the
 * bound (the first lookup goes alone, and reserves at least what its instance has seen lately, so
 * that a burst of new connections fetching large values is bounded too: {@link ReplyBudget}),
 * becomes the largest value answered since, and halves at each smaller answer down to
 * {@link #MIN_ESTIMATE}: small values get the full 256 lookups in flight after a few answers, large
 * ones go one or a few at a time. A lookup
 * is sent only while the connection is under its bound and the budget has room, so the bound is
 * crossed by at most one value, or, when values outgrow the estimate, by what the lookups in flight
 * bring beyond it.
 *
 * <p>Used on the connection's event loop only.
 */
final class ReplyBytes {

  /**
   * Bytes held for the client past which the connection takes no command and sends no lookup. Also
   * the socket's write queue size, so that the transport's idea of full is the same. 1 MiB keeps a
   * fast client's pipeline of large values going (the kernel's send buffer takes several on
   * loopback) while 2048 stalled connections would still hold 2 GiB, which is why the budget bounds
   * them all together as well.
   */
  static final int MAX_QUEUED_BYTES = 1024 * 1024;
  /** The least a lookup reserves: with it, a connection's 256 lookups in flight fit in its bound. */
  static final long MIN_ESTIMATE = MAX_QUEUED_BYTES / Lookups.MAX_IN_FLIGHT;

  private final ReplyBudget budget;
  private long held;
  private long unflushed;
  private long reserved;
  private long estimate = MAX_QUEUED_BYTES;
  private boolean reservedBefore;

  ReplyBytes(ReplyBudget budget) {
    this.budget = budget;
  }

  /** Under the connection's bound: it may take commands, and move replies into its socket. */
  boolean withinBound() {
    return held + unflushed + reserved < MAX_QUEUED_BYTES;
  }

  boolean socketFull() {
    return unflushed >= MAX_QUEUED_BYTES;
  }

  /** Whether another lookup may be sent: under the bound, and room in the instance's budget. */
  boolean mayLookUp() {
    return withinBound() && budget.hasRoom();
  }

  /** A lookup is sent: reserves what its answer is expected to bring; returns that amount. */
  long reserve() {
    long r = reservedBefore ? estimate : Math.max(estimate, budget.estimate());
    reservedBefore = true;
    reserved += r;
    budget.add(r);
    return r;
  }

  /** A lookup reserved {@code r} was answered; its reply now holds {@code bytes}. */
  void answered(long r, long bytes) {
    reserved -= r;
    held += bytes;
    budget.add(bytes);
    budget.release(r);
    estimate = Math.max(MIN_ESTIMATE, Math.max(bytes, estimate / 2));
    budget.observed(bytes);
  }

  /** Replies moved into a batch: their values are no longer held as such. */
  void unhold(long bytes) {
    held -= bytes;
    budget.release(bytes);
  }

  /** A batch handed to the socket. */
  void writing(long bytes) {
    unflushed += bytes;
    budget.add(bytes);
  }

  /** A batch the socket wrote, or failed to (the connection closed). */
  void written(long bytes) {
    unflushed -= bytes;
    budget.release(bytes);
  }

  /** The connection is gone: what its replies held is dropped (lookups and writes give theirs back). */
  void dropHeld() {
    budget.release(held);
    held = 0;
  }

  long queued() {
    return held + unflushed + reserved;
  }
}

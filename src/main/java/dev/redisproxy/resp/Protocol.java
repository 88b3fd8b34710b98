package dev.redisproxy.resp;

/** The RESP version a connection speaks: RESP2 until {@code HELLO 3}, as with Redis. */
enum Protocol {
  RESP2(2),
  RESP3(3);

  private final int version;

  Protocol(int version) {
    this.version = version;
  }

  /** The number HELLO takes and reports as {@code proto}. */
  int version() {
    return version;
  }

  /** The protocol of that HELLO version, or null for one the proxy does not speak. */
  static Protocol of(long version) {
    return version == 2 ? RESP2 : version == 3 ? RESP3 : null;
  }
}

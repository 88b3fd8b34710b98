package dev.redisproxy.resp;

import io.vertx.core.net.SocketAddress;

/**
 * What the commands of one connection read and change: its id, name, protocol and authentication,
 * and whether it should close once its replies are written. Plain data, so that a command needs
 * nothing of the connection that runs it; the connection reads {@link #closeRequested} after each.
 */
final class ConnectionState {

  private final long id;
  private final SocketAddress remoteAddress;
  private Protocol protocol = Protocol.RESP2;
  private String clientName;
  // Set by a successful AUTH or HELLO AUTH; consulted only when PROXY_PASSWORD is set.
  private boolean authenticated;
  // Wrong passwords offered on this connection; too many close it (RespAuth).
  private int authFailures;
  // QUIT, or too many failed authentications: take no further commands, close once written.
  private boolean closeRequested;

  ConnectionState(long id, SocketAddress remoteAddress) {
    this.id = id;
    this.remoteAddress = remoteAddress;
  }

  long id() {
    return id;
  }

  SocketAddress remoteAddress() {
    return remoteAddress;
  }

  /** The protocol replies are written in; HELLO changes it. */
  Protocol protocol() {
    return protocol;
  }

  void protocol(Protocol protocol) {
    this.protocol = protocol;
  }

  String clientName() {
    return clientName;
  }

  void clientName(String name) {
    this.clientName = name;
  }

  boolean authenticated() {
    return authenticated;
  }

  void authenticated(boolean authenticated) {
    this.authenticated = authenticated;
  }

  /** Counts a failed authentication; returns how many this connection has had. */
  int authFailed() {
    return ++authFailures;
  }

  /** Takes no further commands; the connection closes once the replies queued so far are written. */
  void closeAfterReplies() {
    closeRequested = true;
  }

  boolean closeRequested() {
    return closeRequested;
  }
}

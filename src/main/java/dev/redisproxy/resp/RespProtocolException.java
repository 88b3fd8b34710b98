package dev.redisproxy.resp;

/**
 * Input that is not RESP. The message is the full error text Redis would send, such as
 * {@code "Protocol error: invalid bulk length"}; the connection replies {@code -ERR <message>} and
 * closes. Carries no stack trace: it describes the client's bytes, not a fault in the proxy.
 */
public final class RespProtocolException extends RuntimeException {

  RespProtocolException(String problem) {
    super("Protocol error: " + problem, null, false, false);
  }
}

package dev.redisproxy.resp;

import io.lettuce.core.protocol.ProtocolVersion;
import org.junit.jupiter.api.BeforeAll;

/** {@link RespLettuceIT}'s tests with Lettuce held to RESP2. */
class RespLettuceResp2IT extends RespLettuceIT {

  /** Hides RespLettuceIT's start, which JUnit then does not run for this class. */
  @BeforeAll
  static void start() throws Exception {
    start(ProtocolVersion.RESP2);
  }
}

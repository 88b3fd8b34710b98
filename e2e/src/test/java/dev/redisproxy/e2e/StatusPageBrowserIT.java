package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.redisproxy.testing.Tools;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page in a real browser (headless Chromium through Selenium and Debian's chromedriver)
 * against the proxy jar behind {@code PROXY_PASSWORD}: it renders without a console error, shows the
 * figures after traffic (a hot key's name, the hit ratio) and follows more traffic by itself. Saves
 * {@code target/status-page.png} (laptop) and {@code target/status-page-phone.png}.
 *
 * <p>Skipped where Chromium or chromedriver is missing, except with {@code CI=true}, where that fails:
 * {@code .ci/run} installs them.
 */
class StatusPageBrowserIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String SECRET = "br0wser-s3cret";
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private ProxyStack stack;
  private ChromeDriver browser;
  private Path profile;

  @BeforeEach
  void setUp() throws Exception {
    Path chromium = Files.isExecutable(CHROMIUM) ? CHROMIUM : Tools.which("chromium");
    Path driver = Files.isExecutable(CHROMEDRIVER) ? CHROMEDRIVER : Tools.which("chromedriver");
    boolean present = chromium != null && driver != null;
    if ("true".equals(System.getenv("CI"))) {
      assertThat(present).as("CI=true: chromium and chromedriver must be installed (.ci/run installs them)").isTrue();
    }
    assumeTrue(present, "chromium or chromedriver not installed");
    stack = ProxyStack.startLocal(Map.of("PROXY_PASSWORD", SECRET, "CACHE_MAXSIZE", "1000"));
    profile = Files.createTempDirectory("status-page-chromium");
    browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
        .usingAnyFreePort().build(), options(chromium));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (stack != null) {
      stack.close();
    }
    if (profile != null) {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void thePageShowsTheTrafficAndFollowsItWithoutAConsoleError() throws Exception {
    String hot = stack.key("user:42:profile");
    stack.set(hot, "never shown");
    read(hot, 10);
    browser.manage().window().setSize(new Dimension(1280, 1500));
    // Basic credentials in the URL: the page's own fetches must then get through with what the browser keeps.
    browser.get("http://ops:" + SECRET + "@" + stack.proxyHost() + ":" + stack.http().port() + "/");
    await("the hot key in the table", () -> cell(1, 1).equals(hot));
    assertThat(text("hit-ratio-total")).isEqualTo("90.0%");
    assertThat(text("lookups-total")).isEqualTo("10");
    assertThat(text("redis-pill")).isEqualTo("Redis up");
    assertThat(text("max-connections")).isEqualTo("2,048");
    assertThat(browser.getPageSource()).doesNotContain("never shown").doesNotContain(SECRET);

    String hotter = stack.key("cart:7");
    stack.set(hotter, "never shown either");
    read(hotter, 30);
    await("the page to follow the new traffic", () -> text("hit-ratio-total").equals("95.0%"));
    await("the hotter key on top", () -> cell(1, 1).equals(hotter) && cell(2, 1).equals(hot));
    assertThat(cell(1, 2)).isEqualTo("30");
    assertThat(cell(1, 5)).as("29 of 30, rounded down").isEqualTo("96.6%");
    await("the last minute's hit ratio once its seconds are whole", () -> text("hit-ratio").equals("95.0%"));
    await("the lookup latency, reported by the front end about once a second", () -> text("lookup-p50").endsWith(" ms"));
    screenshot("target/status-page.png");

    browser.manage().window().setSize(new Dimension(390, 1700));
    await("the narrow layout", () -> !browser.findElement(By.cssSelector("th.hide-narrow")).isDisplayed());
    screenshot("target/status-page-phone.png");

    List<LogEntry> problems = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).toList();
    assertThat(problems).as("the browser's console").isEmpty();
  }

  private ChromeOptions options(Path chromium) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    return options;
  }

  private void read(String key, int times) throws Exception {
    for (int i = 0; i < times; i++) {
      HttpRequest req = HttpRequest.newBuilder(stack.http().uri(ProxyClient.path(key)))
          .header("Authorization", "Bearer " + SECRET).timeout(PATIENCE).build();
      assertThat(http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }
  }

  private String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  private String cell(int row, int column) {
    return browser.findElement(By.cssSelector("#hotkeys tr:nth-child(" + row + ") td:nth-child(" + column + ")"))
        .getText();
  }

  private void await(String what, BooleanSupplier done) {
    new WebDriverWait(browser, PATIENCE).withMessage(what).ignoring(RuntimeException.class)
        .until(d -> done.getAsBoolean());
  }

  private void screenshot(String file) throws IOException {
    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Path target = Path.of(file);
    Files.createDirectories(target.getParent());
    Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
  }
}

package dev.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and the pages in {@code docs/} link to each other by relative paths; a page renamed or
 * a heading reworded would leave a link that leads nowhere. Every relative link must name a file
 * that exists and, with a {@code #fragment} into a Markdown page, a heading of that page (as GitHub
 * makes anchors of headings); and every page in {@code docs/} must be reachable from the README.
 */
class DocsLinksTest {

  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*`");
  private static final Pattern EXTERNAL = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

  @Test
  void everyRelativeLinkLeadsToAFileAndHeadingThatExist() throws IOException {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      for (String target : links(page)) {
        String problem = check(page, target);
        if (problem != null) {
          broken.add(page + ": (" + target + ") " + problem);
        }
      }
    }
    assertThat(broken).as("broken relative links").isEmpty();
  }

  @Test
  void everyPageInDocsIsLinkedFromTheReadmeOrAPageItLinksTo() throws IOException {
    Set<Path> reached = new HashSet<>();
    List<Path> todo = new ArrayList<>(List.of(Path.of("README.md").toAbsolutePath().normalize()));
    while (!todo.isEmpty()) {
      Path page = todo.remove(todo.size() - 1);
      if (!reached.add(page) || !Files.isRegularFile(page)) {
        continue;
      }
      for (String target : links(page)) {
        String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        if (!file.isEmpty() && file.endsWith(".md")) {
          todo.add(page.getParent().resolve(file).normalize());
        }
      }
    }
    for (Path page : pages()) {
      assertThat(reached).as("pages reachable from README.md").contains(page.toAbsolutePath().normalize());
    }
  }

  private static List<Path> pages() throws IOException {
    List<Path> out = new ArrayList<>(List.of(Path.of("README.md")));
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
    }
    return out;
  }

  /** The relative link targets of a page, outside code blocks and inline code. */
  private static List<String> links(Path page) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : proseLines(page)) {
      Matcher m = LINK.matcher(INLINE_CODE.matcher(line).replaceAll(""));
      while (m.find()) {
        String target = m.group(1);
        if (!EXTERNAL.matcher(target).find()) {
          out.add(target);
        }
      }
    }
    return out;
  }

  /** Why the link is broken, or null. */
  private static String check(Path page, String target) throws IOException {
    int hash = target.indexOf('#');
    String file = hash < 0 ? target : target.substring(0, hash);
    Path resolved = file.isEmpty() ? page : page.toAbsolutePath().getParent().resolve(file).normalize();
    if (!Files.exists(resolved)) {
      return "no such file: " + resolved;
    }
    if (hash < 0 || !resolved.toString().endsWith(".md")) {
      return null;
    }
    String anchor = target.substring(hash + 1);
    return anchors(resolved).contains(anchor) ? null : "no heading with anchor #" + anchor + " in " + resolved;
  }

  /** The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces to hyphens. */
  private static Set<String> anchors(Path page) throws IOException {
    Set<String> out = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : proseLines(page)) {
      Matcher m = HEADING.matcher(line);
      if (!m.matches()) {
        continue;
      }
      String slug = m.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum);
      out.add(n == 1 ? slug : slug + "-" + (n - 1));
    }
    return out;
  }

  /** The page's lines outside fenced code blocks. */
  private static List<String> proseLines(Path page) throws IOException {
    List<String> out = new ArrayList<>();
    boolean inFence = false;
    for (String line : Files.readAllLines(page)) {
      if (line.stripLeading().startsWith("```")) {
        inFence = !inFence;
      } else if (!inFence) {
        out.add(line);
      }
    }
    return out;
  }
}

package dev.redisproxy;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package layering of DESIGN.md, held by the compiler's output: front ends ({@code http},
 * {@code resp}) -> {@code cache} -> interfaces {@code cache} owns <- {@code redis}; {@code config}
 * and {@code security} below everything; the root package only wires.
 */
@AnalyzeClasses(packages = "dev.redisproxy", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule noCyclesBetweenPackages =
      slices().matching("dev.redisproxy.(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule frontEndsDoNotKnowRedis = noClasses()
      .that().resideInAnyPackage("dev.redisproxy.http..", "dev.redisproxy.resp..")
      .should().dependOnClassesThat().resideInAPackage("dev.redisproxy.redis..")
      .because("front ends speak to the cache; the Redis reader is the cache's business");

  @ArchTest
  static final ArchRule cacheDependsOnlyOnConfigAndSecurity = classes()
      .that().resideInAPackage("dev.redisproxy.cache..")
      .should().onlyDependOnClassesThat(resideOutsideOfPackage("dev.redisproxy..")
          .or(resideInAnyPackage("dev.redisproxy.cache..", "dev.redisproxy.config..", "dev.redisproxy.security..")))
      .because("cache owns the vocabulary (Key, outcomes, Failure, the reader interfaces) the others speak");

  @ArchTest
  static final ArchRule configAndSecurityAreAtTheBottom = classes()
      .that().resideInAnyPackage("dev.redisproxy.config..", "dev.redisproxy.security..")
      .should().onlyDependOnClassesThat(resideOutsideOfPackage("dev.redisproxy..")
          .or(resideInAnyPackage("dev.redisproxy.config..", "dev.redisproxy.security..")))
      .because("settings are read first and used by everyone, so they may use nothing above them");

  @ArchTest
  static final ArchRule nothingDependsOnTheRoot = noClasses()
      .that().resideOutsideOfPackage("dev.redisproxy")
      .and().resideInAPackage("dev.redisproxy..")
      .should().dependOnClassesThat().resideInAPackage("dev.redisproxy")
      .because("the root package only wires: it reads the configuration and deploys the verticles");
}

package dev.lifeboat.config;

import java.net.URI;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Checks shared by several configuration keys. */
public final class Validators {
  private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9._\\-\\[\\]:]+:\\d{1,5}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9\\-]{0,61}[a-z0-9])?");
  private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([a-z0-9.\\-]*[a-z0-9])?");

  private Validators() {}

  public static final String HOST_PORTS = "host:port[,host:port...], e.g. kafka-0:9092,kafka-1:9092";
  public static final String HTTP_URL = "an http:// or https:// URL, e.g. http://registry:8081";
  public static final String PORT = "a port number from 0 (any free port) to 65535";
  public static final String DNS_NAME = "lower-case letters, digits and '-', at most 63 characters (a DNS label)";
  public static final String READABLE_FILE = "the path of a readable, non-empty file (e.g. a mounted Secret's key)";
  public static final String DNS_SUBDOMAIN = "a Kubernetes object name: lower-case letters, digits, '-' and '.', at most 253 characters";

  public static boolean hostPorts(String value) {
    for (String part : value.split(",")) {
      if (!HOST_PORT.matcher(part.trim()).matches()) {
        return false;
      }
    }
    return !value.isBlank();
  }

  public static boolean httpUrl(String value) {
    try {
      URI uri = URI.create(value);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public static boolean port(Integer value) {
    return value >= 0 && value <= 65535;
  }

  public static boolean dnsName(String value) {
    return NAME.matcher(value).matches();
  }

  public static boolean dnsSubdomain(String value) {
    return value.length() <= 253 && SUBDOMAIN.matcher(value).matches();
  }

  /** A file that exists, can be read and is not empty: what a mounted Secret's key is. */
  public static boolean readableFile(String value) {
    try {
      java.nio.file.Path path = java.nio.file.Path.of(value);
      return java.nio.file.Files.isRegularFile(path) && java.nio.file.Files.isReadable(path) && java.nio.file.Files.size(path) > 0;
    } catch (java.nio.file.InvalidPathException | java.io.IOException e) {
      return false;
    }
  }

  public static boolean isHttps(String url) {
    return url != null && url.regionMatches(true, 0, "https://", 0, 8);
  }

  public static Predicate<List<String>> allHttpUrls() {
    return list -> !list.isEmpty() && list.stream().allMatch(Validators::httpUrl);
  }
}

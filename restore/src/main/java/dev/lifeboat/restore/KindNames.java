package dev.lifeboat.restore;

import java.util.Locale;

/**
 * Matches kinds as kubectl names them: {@code Deployment}, {@code deployment}, {@code deployments},
 * {@code deployments.apps}, {@code Deployment.apps}; a name without a group matches the kind in any
 * group. Short names ({@code cm}, {@code deploy}) are not known.
 */
final class KindNames {
  private KindNames() {}

  /**
   * @param group the object's API group (empty for the core group)
   * @param plural the resource's plural as the target serves it, or null (then guessed)
   */
  static boolean matches(String name, String group, String kind, String plural) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    int dot = n.indexOf('.');
    String resource = dot < 0 ? n : n.substring(0, dot);
    String nameGroup = dot < 0 ? null : n.substring(dot + 1);
    if (nameGroup != null && !nameGroup.equals(group.toLowerCase(Locale.ROOT))) {
      return false;
    }
    String k = kind.toLowerCase(Locale.ROOT);
    String p = plural == null ? guessPlural(kind) : plural.toLowerCase(Locale.ROOT);
    return resource.equals(k) || resource.equals(p);
  }

  /** English plural of a kind, as Kubernetes forms most of them: Policy → policies, Ingress → ingresses. */
  static String guessPlural(String kind) {
    String k = kind.toLowerCase(Locale.ROOT);
    if (k.endsWith("s") || k.endsWith("x") || k.endsWith("ch") || k.endsWith("sh")) {
      return k + "es";
    }
    if (k.endsWith("y") && k.length() > 1 && "aeiou".indexOf(k.charAt(k.length() - 2)) < 0) {
      return k.substring(0, k.length() - 1) + "ies";
    }
    return k + "s";
  }
}

package dev.lifeboat.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ContentHashTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  @Test
  void ignoresNoiseAndKeyOrderButNotWhatARestoreNeeds() throws Exception {
    JsonNode base = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a','namespace':'n','labels':{'x':'1'},"
        + "'uid':'u1','resourceVersion':'5','generation':1,'creationTimestamp':'2026-01-01T00:00:00Z','managedFields':[{}]},"
        + "'data':{'k':'v','k2':'v2'}}");
    JsonNode noisy = json("{'data':{'k2':'v2','k':'v'},'kind':'ConfigMap','apiVersion':'v1','metadata':{'namespace':'n','name':'a',"
        + "'labels':{'x':'1'},'uid':'u2','resourceVersion':'9','generation':4,'managedFields':[{'manager':'kubectl'}]}}");
    JsonNode relabelled = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a','namespace':'n','labels':{'x':'2'}},"
        + "'data':{'k':'v','k2':'v2'}}");
    JsonNode changed = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a','namespace':'n','labels':{'x':'1'}},"
        + "'data':{'k':'v','k2':'other'}}");

    assertThat(ContentHash.of(noisy, true)).isEqualTo(ContentHash.of(base, true)).hasSize(64);
    assertThat(ContentHash.of(relabelled, true)).isNotEqualTo(ContentHash.of(base, true));
    assertThat(ContentHash.of(changed, true)).isNotEqualTo(ContentHash.of(base, true));
  }

  @Test
  void statusCountsOnlyWhenAsked() throws Exception {
    JsonNode a = json("{'kind':'Deployment','metadata':{'name':'d'},'spec':{'replicas':2},'status':{'readyReplicas':1}}");
    JsonNode b = json("{'kind':'Deployment','metadata':{'name':'d'},'spec':{'replicas':2},'status':{'readyReplicas':2}}");
    assertThat(ContentHash.of(a, true)).isEqualTo(ContentHash.of(b, true));
    assertThat(ContentHash.of(a, false)).isNotEqualTo(ContentHash.of(b, false));
  }

  @Test
  void keyedHashesDependOnTheKeySoTheyCannotConfirmAGuess() throws Exception {
    JsonNode secret = json("{'kind':'Secret','metadata':{'name':'s'},'data':{'password':'aHVudGVyMg=='}}");
    byte[] k1 = new byte[32];
    byte[] k2 = new byte[32];
    k2[0] = 1;
    assertThat(ContentHash.keyed(secret, true, k1)).startsWith("hmac:").isEqualTo(ContentHash.keyed(secret, true, k1))
        .isNotEqualTo(ContentHash.keyed(secret, true, k2));
    assertThat(ContentHash.keyed(secret, true, k1)).doesNotContain(ContentHash.of(secret, true));
  }

  @Test
  void identityKeysRoundTrip() {
    ObjectIdentity id = new ObjectIdentity("prod", "", "apps", "Deployment", "web");
    assertThat(id.key()).isEqualTo("prod//apps/Deployment/web");
    assertThat(ObjectIdentity.parse(id.key())).isEqualTo(id);
  }
}

package dev.lifeboat.repository.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.MinioException;
import io.minio.errors.ServerException;
import io.minio.messages.ErrorResponse;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** How {@link S3BlobStore} classifies what the S3 client throws, wrapped as the client wraps it. */
class S3BlobStoreErrorClassificationTest {
  private static final String STORE = "s3://bucket/lifeboat at http://127.0.0.1:9000 (store primary)";

  @Test
  void throttlingTimeoutsAndServerErrorsAreRetriable() {
    for (String code : new String[] {"SlowDown", "Throttling", "RequestTimeout", "InternalError", "ServiceUnavailable"}) {
      assertThat(classify(s3Error(code, 503))).as(code).isInstanceOf(RetriableFailure.class);
    }
    assertThat(classify(s3Error("TooManyRequests", 429))).isInstanceOf(RetriableFailure.class);
    assertThat(classify(s3Error("SomethingNew", 502))).isInstanceOf(RetriableFailure.class);
    assertThat(classify(new ServerException("bad gateway", 504, "trace"))).isInstanceOf(RetriableFailure.class);
    assertThat(classify(new InvalidResponseException(503, "text/html", "<html>", "trace"))).isInstanceOf(RetriableFailure.class);
  }

  @Test
  void aFeatureTheStoreDoesNotImplementIsPermanentDespiteItsServerErrorStatus() {
    assertThat(classify(s3Error("NotImplemented", 501))).isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("NotImplemented (HTTP 501)");
  }

  @Test
  void theNetworkFailingIsRetriable() {
    assertThat(classify(new ConnectException("Connection refused"))).isInstanceOf(RetriableFailure.class)
        .hasMessageContaining("ConnectException: Connection refused");
    assertThat(classify(new SocketTimeoutException("timeout"))).isInstanceOf(RetriableFailure.class);
  }

  @Test
  void refusedCredentialsMissingBucketsAndOtherClientErrorsArePermanent() {
    for (String code : new String[] {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}) {
      assertThat(classify(s3Error(code, 403))).as(code).isInstanceOf(PermanentFailure.class);
    }
    assertThat(classify(s3Error("NoSuchBucket", 404))).isInstanceOf(PermanentFailure.class);
    assertThat(classify(s3Error("InvalidArgument", 400))).isInstanceOf(PermanentFailure.class);
    assertThat(classify(new InvalidResponseException(403, "text/html", "<html>", "trace"))).isInstanceOf(PermanentFailure.class);
    assertThat(classify(new InsufficientDataException("got 10 of 20 bytes"))).isInstanceOf(PermanentFailure.class);
    assertThat(classify(new IllegalStateException("bug"))).isInstanceOf(PermanentFailure.class);
  }

  @Test
  void messagesNameTheOperationTheKeyTheStoreAndTheS3Code() {
    assertThat(classify(s3Error("SignatureDoesNotMatch", 403)))
        .hasMessage("put chunks/ab in " + STORE + ": SignatureDoesNotMatch (HTTP 403): The request signature"
            + " we calculated does not match");
  }

  @Test
  void noSuchKeyIsRecognisedThroughTheClientsWrapping() {
    assertThat(S3Failures.isNoSuchKey(new MinioException(new MinioException(s3ErrorUnwrapped("NoSuchKey", 404))))).isTrue();
    assertThat(S3Failures.isNoSuchKey(new MinioException(s3ErrorUnwrapped("NoSuchBucket", 404)))).isFalse();
  }

  private static RuntimeException classify(Exception error) {
    return S3Failures.classify("put", "chunks/ab", STORE, new MinioException(error));
  }

  private static Exception s3Error(String code, int status) {
    return s3ErrorUnwrapped(code, status);
  }

  private static ErrorResponseException s3ErrorUnwrapped(String code, int status) {
    String message = code.equals("SignatureDoesNotMatch") ? "The request signature we calculated does not match" : code;
    Response response = new Response.Builder()
        .request(new Request.Builder().url("http://127.0.0.1:9000/bucket/lifeboat/chunks/ab").build())
        .protocol(Protocol.HTTP_1_1).code(status).message(code).build();
    return new ErrorResponseException(
        new ErrorResponse(code, message, "bucket", "lifeboat/chunks/ab", "/bucket/lifeboat/chunks/ab", "req", "host"),
        response, "trace");
  }
}

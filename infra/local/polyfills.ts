// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions calls. Lambda (nodejs22.x) has it.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
// The SDK warns on Node 20 about its releases after January 2027; Lambda runs Node 22. Locally, keep the console readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Lambda's runtime provides `awslambda` (response streaming); locally it is ours.
import './lambda-streaming.ts';

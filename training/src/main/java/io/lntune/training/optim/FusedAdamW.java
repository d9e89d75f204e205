package io.lntune.training.optim;

import static org.bytedeco.pytorch.global.torch.scalar_tensor;

import io.lntune.torch.TensorScope;
import java.util.Collections;
import java.util.List;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorType;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * libtorch's fused AdamW kernel ({@code aten::_fused_adamw_}, what {@code torch.optim.AdamW(...,
 * fused=True)} runs) over a fixed set of parameters and their moments: one pass over each
 * parameter, its gradient and its moments, where the same update as separate operations takes
 * seven. On 96M fp32 values on two cores: 36-41 ms against 248 ms. The JavaCPP presets do not bind
 * it, so it is called through libtorch's dispatcher, boxed; the lists of parameters and moments are
 * built once, so that a step allocates little on the Java heap.
 *
 * <p>CPU tensors only, contiguous, all of one dtype, fp32 or fp64: {@link #fits} says whether a
 * tensor qualifies.
 */
final class FusedAdamW {
  // outside any scope: the class may first be used inside one, which would free the handle
  private static final OperatorHandle OP =
      TensorScope.unscoped(Dispatcher.singleton().findSchemaOrThrow("aten::_fused_adamw_", ""));

  private final ScalarType dtype;
  private final IValue params;
  private final IValue expAvgs;
  private final IValue expAvgSqs;
  private final IValue noMaxExpAvgSqs;
  private final IValue steps; // the step count, as the kernel reads it: one tensor for all
  private final Tensor step;
  private final Tensor gradScale; // what the kernel divides every gradient by, when it takes one
  private final IValue gradScaleValue;
  // the arguments that never change, made once: a step allocates little on the Java heap
  private final IValue beta1;
  private final IValue beta2;
  private final IValue eps;
  private final IValue no; // amsgrad, maximize
  private final IValue none; // grad_scale, found_inf
  private final Type.TypePtr tensorType;

  /** Lists {@code params} (non-empty, all of one dtype) and their moments for every step. */
  FusedAdamW(
      List<Tensor> params,
      List<Tensor> expAvgs,
      List<Tensor> expAvgSqs,
      double beta1,
      double beta2,
      double eps) {
    this.dtype = params.get(0).scalar_type().intern();
    this.tensorType = TensorScope.unscoped(new Type.TypePtr(TensorType.get()));
    this.beta1 = TensorScope.unscoped(new IValue(beta1));
    this.beta2 = TensorScope.unscoped(new IValue(beta2));
    this.eps = TensorScope.unscoped(new IValue(eps));
    this.no = TensorScope.unscoped(new IValue(false));
    this.none = TensorScope.unscoped(new IValue());
    this.params = TensorScope.unscoped(list(params));
    this.expAvgs = TensorScope.unscoped(list(expAvgs));
    this.expAvgSqs = TensorScope.unscoped(list(expAvgSqs));
    this.noMaxExpAvgSqs = TensorScope.unscoped(list(List.of())); // AMSGrad's only
    this.step =
        TensorScope.unscoped(scalar_tensor(new Scalar(0.0), new TensorOptions(ScalarType.Float)));
    this.steps = TensorScope.unscoped(list(Collections.nCopies(params.size(), step)));
    this.gradScale =
        TensorScope.unscoped(scalar_tensor(new Scalar(1.0), new TensorOptions(ScalarType.Float)));
    this.gradScaleValue = TensorScope.unscoped(new IValue(gradScale));
  }

  /** {@return whether the kernel takes {@code t} beside tensors of {@code dtype}} */
  static boolean fits(Tensor t, ScalarType dtype) {
    return t.is_cpu()
        && t.is_contiguous()
        && t.scalar_type().intern() == dtype
        && (dtype == ScalarType.Float || dtype == ScalarType.Double);
  }

  /** {@return whether the kernel takes {@code grad} beside this set's tensors} */
  boolean takes(Tensor grad) {
    return fits(grad, dtype);
  }

  /**
   * Updates the parameters and their moments in place: {@code p *= 1 - lr * weightDecay}, then the
   * bias-corrected Adam step of update number {@code count} (from 1) on the gradients times {@code
   * gradientFactor}. The kernel applies the factor as it reads each gradient, dividing by its
   * reciprocal in fp32, and writes the scaled gradient back.
   *
   * @param grads the parameters' gradients, in their order, each {@link #fits}
   */
  void step(List<Tensor> grads, long count, double lr, double weightDecay, double gradientFactor) {
    step.fill_(new Scalar((double) count));
    boolean scaled = gradientFactor != 1;
    if (scaled) {
      gradScale.fill_(new Scalar(1 / gradientFactor));
    }
    IValueVector stack =
        new IValueVector(
            params,
            list(grads),
            expAvgs,
            expAvgSqs,
            noMaxExpAvgSqs,
            steps,
            new IValue(lr),
            beta1,
            beta2,
            new IValue(weightDecay),
            eps,
            no, // amsgrad
            no, // maximize
            scaled ? gradScaleValue : none, // grad_scale
            none); // found_inf
    OP.callBoxed(stack);
  }

  private IValue list(List<Tensor> tensors) {
    GenericList list = new GenericList(tensorType);
    for (Tensor t : tensors) {
      list.push_back(new IValue(t));
    }
    return new IValue(list);
  }
}

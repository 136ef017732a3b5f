"""Known answers worked out by hand: one SGD step of a 1-1-1 sigmoid network, and Matt Mazur's
classic 2-2-2 example ("A Step by Step Backpropagation Example", 2015), in every implementation.

The arithmetic is written out below; the literals were evaluated with 40-digit decimals.
Our W[i][j] is the weight from input i to neuron j, so Mazur's w1 (i1 -> h1) is W1[0][0],
w2 (i2 -> h1) is W1[1][0], w3 (i1 -> h2) is W1[0][1], w4 (i2 -> h2) is W1[1][1], and likewise
w5..w8 for h1, h2 -> o1, o2 in W2.
"""

import math

import pytest
from conftest import as_lists

from python_impl.spec import NetworkSpec, TrainConfig

ONE_STEP = TrainConfig(epochs=1, learning_rate=0.5, batch_size=1, shuffle=False)


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


# 1-1-1, sigmoid hidden and output, mse ----------------------------------------------------
# x = 0.5, y = 0.25; W1 = 0.4, b1 = -0.1; W2 = 0.7, b2 = 0.2; learning rate 1.
#   z1 = 0.5 * 0.4 - 0.1                  = 0.1
#   a1 = sigmoid(0.1)                     = 0.52497918747893999
#   z2 = 0.52497918747893999 * 0.7 + 0.2  = 0.56748543123525799
#   a2 = sigmoid(z2)                      = 0.63818274930746577
#   C  = 1/2 (a2 - y)^2 = 1/2 (0.38818274930746577)^2 = 0.075342923429951407
#   delta2 = (a2 - y) a2 (1 - a2) = 0.38818274930746577 * 0.63818274930746577
#            * 0.36181725069253423      = 0.089633542609300407
#   dC/dW2 = a1 delta2                    = 0.047055744369889474,  dC/db2 = delta2
#   delta1 = delta2 W2 a1 (1 - a1) = 0.089633542609300407 * 0.7 * 0.52497918747893999
#            * 0.47502081252106001      = 0.015646720547057735
#   dC/dW1 = x delta1                     = 0.0078233602735288675, dC/db1 = delta1
#   after one step of eta = 1:  W1 = 0.4 - 0.0078233602735288675 = 0.39217663972647113
#                               b1 = -0.1 - 0.015646720547057735 = -0.11564672054705774
#                               W2 = 0.7 - 0.047055744369889474  = 0.65294425563011053
#                               b2 = 0.2 - 0.089633542609300407  = 0.11036645739069959
TINY = NetworkSpec((1, 1, 1))
TINY_PARAMS = [([[0.4]], [-0.1]), ([[0.7]], [0.2])]


def test_tiny_network_by_hand_formulas_agree_with_the_literals():
    # the literals above, re-derived with float arithmetic in the test itself
    a1 = sigmoid(0.5 * 0.4 - 0.1)
    a2 = sigmoid(a1 * 0.7 + 0.2)
    delta2 = (a2 - 0.25) * a2 * (1 - a2)
    delta1 = delta2 * 0.7 * a1 * (1 - a1)
    assert a2 == pytest.approx(0.63818274930746577, rel=1e-15)
    assert delta2 == pytest.approx(0.089633542609300407, rel=1e-14)
    assert delta1 == pytest.approx(0.015646720547057735, rel=1e-14)


def test_tiny_network_forward_loss_gradients(impl):
    net = impl(TINY, TINY_PARAMS)
    X, Y = [[0.5]], [[0.25]]
    assert as_lists(net.forward(X))[0][0] == pytest.approx(0.63818274930746577, rel=1e-14)
    assert net.loss(X, Y) == pytest.approx(0.075342923429951407, rel=1e-14)
    value, [(dW1, db1), (dW2, db2)] = net.gradients(X, Y)
    assert value == pytest.approx(0.075342923429951407, rel=1e-14)
    assert as_lists(dW1) == [[pytest.approx(0.0078233602735288675, rel=1e-13)]]
    assert as_lists(db1) == [pytest.approx(0.015646720547057735, rel=1e-13)]
    assert as_lists(dW2) == [[pytest.approx(0.047055744369889474, rel=1e-13)]]
    assert as_lists(db2) == [pytest.approx(0.089633542609300407, rel=1e-13)]


def test_tiny_network_one_sgd_step(impl):
    net = impl(TINY, TINY_PARAMS)
    config = TrainConfig(epochs=1, learning_rate=1.0, shuffle=False)
    history = net.train([[0.5]], [[0.25]], config)
    assert history == [pytest.approx(0.075342923429951407, rel=1e-14)]  # loss before the step
    [(W1, b1), (W2, b2)] = [(as_lists(W), as_lists(b)) for W, b in net.get_params()]
    assert W1 == [[pytest.approx(0.39217663972647113, rel=1e-14)]]
    assert b1 == [pytest.approx(-0.11564672054705774, rel=1e-14)]
    assert W2 == [[pytest.approx(0.65294425563011053, rel=1e-14)]]
    assert b2 == [pytest.approx(0.11036645739069959, rel=1e-14)]


def test_tiny_network_momentum_and_l2_by_hand(impl):
    # two samples, batch 1, learning rate 1, momentum 0.5, l2 0.1, shuffle off:
    # step 1 (sample 0): v = -(g1 + 0.1 W), W += v; step 2: v = 0.5 v - (g2 + 0.1 W), W += v.
    # Checked against the same formulas evaluated here on the pure implementation's gradients.
    spec = TINY
    X, Y = [[0.5], [-1.0]], [[0.25], [0.9]]
    config = TrainConfig(epochs=1, learning_rate=1.0, momentum=0.5, l2=0.1, shuffle=False)
    from python_impl.pure import Network as Pure
    probe = Pure(spec, TINY_PARAMS)
    W = [[as_lists(W)[0][0], as_lists(b)[0]] for W, b in probe.get_params()]  # [[W1, b1], [W2, b2]]
    v = [[0.0, 0.0], [0.0, 0.0]]
    for k in range(2):
        probe.set_params([([[W[l][0]]], [W[l][1]]) for l in range(2)])
        _, grads = probe.gradients(X[k:k + 1], Y[k:k + 1])
        for l, (dW, db) in enumerate(grads):
            v[l][0] = 0.5 * v[l][0] - 1.0 * (dW[0][0] + 0.1 * W[l][0])
            v[l][1] = 0.5 * v[l][1] - 1.0 * db[0]  # biases take no l2
            W[l][0] += v[l][0]
            W[l][1] += v[l][1]
    net = impl(spec, TINY_PARAMS)
    net.train(X, Y, config)
    got = [[as_lists(W_)[0][0], as_lists(b_)[0]] for W_, b_ in net.get_params()]
    for l in range(2):
        assert got[l] == [pytest.approx(W[l][0], rel=1e-13), pytest.approx(W[l][1], rel=1e-13)]


# Mazur's 2-2-2 example -------------------------------------------------------------------
# w1..w8 = .15 .20 .25 .30 .40 .45 .50 .55; b1 = .35 (both hidden neurons), b2 = .60 (both
# outputs); x = (.05, .10), y = (.01, .99); learning rate .5; sigmoid everywhere, mse.
#   net_h1 = .15 * .05 + .20 * .10 + .35 = .3775   out_h1 = sigmoid(.3775)  = .593269992
#   net_h2 = .25 * .05 + .30 * .10 + .35 = .3925   out_h2 = sigmoid(.3925)  = .596884378
#   net_o1 = .40 out_h1 + .45 out_h2 + .60          out_o1 = .75136507
#   net_o2 = .50 out_h1 + .55 out_h2 + .60          out_o2 = .772928465
#   E_total = 1/2 (.01 - .75136507)^2 + 1/2 (.99 - .772928465)^2 = .298371109
#   delta_o1 = (out_o1 - .01) out_o1 (1 - out_o1) = .138498562
#   delta_o2 = (out_o2 - .99) out_o2 (1 - out_o2) = -.0380982365
#   w5+ = .40 - .5 * delta_o1 * out_h1 = .35891648     w6+ = .45 - .5 delta_o1 out_h2 = .408666186
#   w7+ = .50 - .5 * delta_o2 * out_h1 = .511301270    w8+ = .55 - .5 delta_o2 out_h2 = .561370121
#   delta_h1 = (delta_o1 w5 + delta_o2 w7) out_h1 (1 - out_h1) = .00877135469
#   delta_h2 = (delta_o1 w6 + delta_o2 w8) out_h2 (1 - out_h2) = .00995425471
#   w1+ = .15 - .5 * delta_h1 * .05 = .149780716       w2+ = .20 - .5 delta_h1 .10 = .19956143
#   w3+ = .25 - .5 * delta_h2 * .05 = .24975114        w4+ = .30 - .5 delta_h2 .10 = .29950229
# Mazur leaves the biases alone; the contract updates them too (b -= eta delta), which does
# not change the weights after one step: b1+ = (.345614323, .345022873), b2+ = (.530750719,
# .619049118).
MAZUR = NetworkSpec((2, 2, 2))
MAZUR_PARAMS = [([[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35]),
                ([[0.40, 0.50], [0.45, 0.55]], [0.60, 0.60])]
MAZUR_X, MAZUR_Y = [[0.05, 0.10]], [[0.01, 0.99]]


def test_mazur_forward_and_total_error(impl):
    net = impl(MAZUR, MAZUR_PARAMS)
    assert as_lists(net.forward(MAZUR_X)) == [[pytest.approx(0.75136507, abs=5e-9),
                                               pytest.approx(0.772928465, abs=5e-10)]]
    assert net.loss(MAZUR_X, MAZUR_Y) == pytest.approx(0.298371109, abs=5e-10)


def test_mazur_one_step(impl):
    net = impl(MAZUR, MAZUR_PARAMS)
    history = net.train(MAZUR_X, MAZUR_Y, ONE_STEP)
    assert history == [pytest.approx(0.298371109, abs=5e-10)]
    [(W1, b1), (W2, b2)] = [(as_lists(W), as_lists(b)) for W, b in net.get_params()]
    w1, w3 = W1[0]
    w2, w4 = W1[1]
    w5, w7 = W2[0]
    w6, w8 = W2[1]
    # Mazur's published values, to the digits he gives
    assert w5 == pytest.approx(0.35891648, abs=5e-9)
    assert w6 == pytest.approx(0.408666186, abs=5e-10)
    assert w7 == pytest.approx(0.511301270, abs=5e-10)
    assert w8 == pytest.approx(0.561370121, abs=5e-10)
    assert w1 == pytest.approx(0.149780716, abs=5e-10)
    assert w2 == pytest.approx(0.19956143, abs=5e-9)
    assert w3 == pytest.approx(0.24975114, abs=5e-9)
    assert w4 == pytest.approx(0.29950229, abs=5e-9)
    # and to full precision (40-digit decimal evaluation of the same arithmetic)
    assert [w1, w2, w3, w4] == pytest.approx([0.14978071613276283, 0.19956143226552565,
                                              0.24975114363236957, 0.29950228726473914], rel=1e-14)
    assert [w5, w6, w7, w8] == pytest.approx([0.35891647971788461, 0.40866618607623337,
                                              0.51130127023873753, 0.56137012110798911], rel=1e-14)
    assert b1 == pytest.approx([0.34561432265525653, 0.34502287264739140], rel=1e-14)
    assert b2 == pytest.approx([0.53075071918572152, 0.61904911825827811], rel=1e-14)

//! The built-in catalog data. Formulas follow argmin_testfunctions 0.3.0 where that crate has the function
//! (same constants and conventions), otherwise the cited literature. Every extremum point was refined by
//! Newton's method on the exact symbolic gradient of the formula text (sympy + mpmath at 60 digits) and
//! rounded to the nearest f64; each value is the formula evaluated at that rounded point (60 digits), rounded.
//! Kinds were checked against the Hessian's eigenvalues and, for global claims, against a dense grid over the
//! domain. Lists are complete (every stationary point in the domain) for the polynomial and low-modality
//! functions; for the highly multimodal ones only the documented global minima are listed.

use super::{CatalogEntry, Extremum, ExtremumKind};
use std::f64::consts::{PI, TAU};

/// A global minimum (smooth).
const fn global_min(x: f64, y: f64, value: f64) -> Extremum {
    Extremum {
        kind: ExtremumKind::GlobalMinimum,
        point: [x, y],
        value,
        nonsmooth: false,
    }
}

/// A local minimum that is not the lowest (smooth).
const fn local_min(x: f64, y: f64, value: f64) -> Extremum {
    Extremum {
        kind: ExtremumKind::LocalMinimum,
        point: [x, y],
        value,
        nonsmooth: false,
    }
}

/// The global maximum on the domain (smooth).
const fn global_max(x: f64, y: f64, value: f64) -> Extremum {
    Extremum {
        kind: ExtremumKind::GlobalMaximum,
        point: [x, y],
        value,
        nonsmooth: false,
    }
}

/// A local maximum (smooth).
const fn local_max(x: f64, y: f64, value: f64) -> Extremum {
    Extremum {
        kind: ExtremumKind::LocalMaximum,
        point: [x, y],
        value,
        nonsmooth: false,
    }
}

/// A saddle point (smooth).
const fn saddle(x: f64, y: f64, value: f64) -> Extremum {
    Extremum {
        kind: ExtremumKind::Saddle,
        point: [x, y],
        value,
        nonsmooth: false,
    }
}

/// Marks an extremum where the gradient need not vanish (a kink, or an edge of the domain).
const fn nonsmooth(e: Extremum) -> Extremum {
    Extremum { nonsmooth: true, ..e }
}

pub(super) static ENTRIES: &[CatalogEntry] = &[
    CatalogEntry {
        name: "peaks",
        title: "MATLAB peaks function",
        formula: "3*(1-x)^2*exp(-x^2-(y+1)^2) - 10*(x/5 - x^3 - y^5)*exp(-x^2-y^2) - 1/3*exp(-(x+1)^2-y^2)",
        domain: [-3.0, 3.0, -3.0, 3.0],
        extrema: &[
            global_min(0.22827892055636909, -1.6255349574999964, -6.551133332835837),
            local_min(-1.3473962443682108, 0.20451886609700518, -3.04984940280026),
            local_min(0.2964455538468321, 0.32019624766683435, -0.06493586825552689),
            global_max(-0.009317581959954116, 1.5813679629389998, 8.106213589442337),
            local_max(1.285684697241304, -0.004847559075593672, 3.592489918002754),
            local_max(-0.46002451803438665, -0.6291965087168009, 3.7765809985322067),
            saddle(0.4163233216785082, -0.3941450984024246, 0.4085479245941372),
            saddle(-0.2659375568372457, 0.4667399937262694, 0.7882934626789642),
            saddle(1.0982728343350927, 0.8544609795247524, 2.2491916615269307),
        ],
        source: "Formula: MATLAB documentation (peaks). Extrema: all 9 stationary points in [-3,3]^2, computed by \
            Newton's method from the formula (this catalog)",
    },
    CatalogEntry {
        name: "rosenbrock",
        title: "Rosenbrock function",
        formula: "(1 - x)^2 + 100*(y - x^2)^2",
        domain: [-2.0, 2.0, -1.0, 3.0],
        extrema: &[global_min(1.0, 1.0, 0.0)],
        source: "Rosenbrock (1960), a = 1, b = 100, as argmin_testfunctions::rosenbrock; Surjanovic & Bingham (VLSE); \
            plot domain chosen for display. The only stationary point",
    },
    CatalogEntry {
        name: "himmelblau",
        title: "Himmelblau's function",
        formula: "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        domain: [-5.0, 5.0, -5.0, 5.0],
        extrema: &[
            global_min(3.0, 2.0, 0.0),
            global_min(3.5844283403304917, -1.8481265269644036, 4.540256385792329e-32),
            global_min(-2.805118086952745, 3.131312518250573, 2.0089077015141723e-31),
            global_min(-3.779310253377747, -3.2831859912861696, 1.6612816913287492e-30),
            local_max(-0.2708445906673476, -0.9230385564799815, 181.6165215225827),
            saddle(3.385154183607021, 0.07385187983774928, 13.31192627040559),
            saddle(0.08667750455539636, 2.884254701174776, 67.71915008752615),
            saddle(-3.0730257507643897, -0.08135304428796751, 104.0151629175581),
            saddle(-0.12796134673068008, -1.9537149802445763, 178.33723920192747),
        ],
        source: "Himmelblau (1972); Wikipedia 'Himmelblau's function'; as argmin_testfunctions::himmelblau. All 9 \
            stationary points; extrema refined by Newton's method (this catalog)",
    },
    CatalogEntry {
        name: "rastrigin",
        title: "Rastrigin function",
        formula: "20 + (x^2 - 10*cos(2*pi*x)) + (y^2 - 10*cos(2*pi*y))",
        domain: [-5.12, 5.12, -5.12, 5.12],
        extrema: &[global_min(0.0, 0.0, 0.0)],
        source: "Rastrigin, A = 10, as argmin_testfunctions::rastrigin; Surjanovic & Bingham (VLSE). Only the global \
            minimum is listed (the local minima form a lattice near the integer points)",
    },
    CatalogEntry {
        name: "ackley",
        title: "Ackley function",
        formula: "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + 20 + e",
        domain: [-5.0, 5.0, -5.0, 5.0],
        extrema: &[nonsmooth(global_min(0.0, 0.0, 0.0))],
        source: "Ackley (1987), a = 20, b = 0.2, c = 2 pi, as argmin_testfunctions::ackley; Surjanovic & Bingham \
            (VLSE); plot domain [-5,5]^2 as in Wikipedia 'Test functions for optimization'. The minimum is a kink of \
            sqrt(x^2+y^2)",
    },
    CatalogEntry {
        name: "beale",
        title: "Beale function",
        formula: "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        domain: [-4.5, 4.5, -4.5, 4.5],
        extrema: &[
            global_min(3.0, 0.5, 0.0),
            saddle(0.10053793732415836, -2.644513585023125, 9.86451228475556),
            saddle(0.0, 1.0, 14.203125),
        ],
        source: "Beale (1958); Surjanovic & Bingham (VLSE); as argmin_testfunctions::beale. All 3 stationary points; \
            extrema refined by Newton's method (this catalog)",
    },
    CatalogEntry {
        name: "booth",
        title: "Booth function",
        formula: "(x + 2*y - 7)^2 + (2*x + y - 5)^2",
        domain: [-10.0, 10.0, -10.0, 10.0],
        extrema: &[global_min(1.0, 3.0, 0.0)],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::booth. The only stationary point",
    },
    CatalogEntry {
        name: "matyas",
        title: "Matyas function",
        formula: "0.26*(x^2 + y^2) - 0.48*x*y",
        domain: [-10.0, 10.0, -10.0, 10.0],
        extrema: &[global_min(0.0, 0.0, 0.0)],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::matyas. The only stationary point",
    },
    CatalogEntry {
        name: "three-hump-camel",
        title: "Three-hump camel function",
        formula: "2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2",
        domain: [-5.0, 5.0, -5.0, 5.0],
        extrema: &[
            global_min(0.0, 0.0, 0.0),
            local_min(1.7475523458302888, -0.8737761729151444, 0.2986384422368598),
            local_min(-1.7475523458302888, 0.8737761729151444, 0.2986384422368598),
            saddle(1.07054229182366, -0.53527114591183, 0.8773615577631402),
            saddle(-1.07054229182366, 0.53527114591183, 0.8773615577631402),
        ],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::threehumpcamel. All 5 stationary points; \
            extrema refined by Newton's method (this catalog)",
    },
    CatalogEntry {
        name: "six-hump-camel",
        title: "Six-hump camel function",
        formula: "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
        domain: [-3.0, 3.0, -2.0, 2.0],
        extrema: &[
            global_min(0.08984201310031806, -0.7126564030207396, -1.0316284534898774),
            global_min(-0.08984201310031806, 0.7126564030207396, -1.0316284534898774),
            local_min(-1.703606714969981, 0.7960835686726251, -0.21546382438371764),
            local_min(1.703606714969981, -0.7960835686726251, -0.21546382438371764),
            local_min(1.6071047529201972, 0.5686514548841314, 2.1042503103112584),
            local_min(-1.6071047529201972, -0.5686514548841314, 2.1042503103112584),
            local_max(1.2302298765166526, 0.16233458445899496, 2.496295351023577),
            local_max(-1.2302298765166526, -0.16233458445899496, 2.496295351023577),
            saddle(0.0, 0.0, 0.0),
            saddle(1.1092053368047865, -0.7682680925095399, 0.5437186009781851),
            saddle(-1.1092053368047865, 0.7682680925095399, 0.5437186009781851),
            saddle(1.6380679841897785, 0.22867406904439408, 2.2293571975307147),
            saddle(-1.6380679841897785, -0.22867406904439408, 2.2293571975307147),
            saddle(1.2960702671671092, 0.6050843880386585, 2.22947081802986),
            saddle(-1.2960702671671092, -0.6050843880386585, 2.22947081802986),
        ],
        source: "Dixon & Szego (1978); Surjanovic & Bingham (VLSE). All 15 stationary points in the domain; extrema \
            refined by Newton's method (this catalog)",
    },
    CatalogEntry {
        name: "goldstein-price",
        title: "Goldstein-Price function",
        formula: "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))*(30 + (2*x - 3*y)^2*(18 - 32*x + \
            12*x^2 + 48*y - 36*x*y + 27*y^2))",
        domain: [-2.0, 2.0, -2.0, 2.0],
        extrema: &[
            global_min(0.0, -1.0, 3.0),
            local_min(-0.6, -0.4, 30.0),
            local_min(1.8, 0.2, 84.0),
            local_min(1.2, 0.8, 840.0),
            local_max(0.8, 0.2, 1155.0),
            saddle(-0.4, -0.6, 35.0),
            saddle(1.2, -0.2, 99.0),
            saddle(1.4, 0.6, 980.0),
            saddle(0.6, 0.4, 990.0),
        ],
        source: "Goldstein & Price (1971); Surjanovic & Bingham (VLSE); as argmin_testfunctions::goldsteinprice. All \
            9 stationary points (all at exact decimals); computed by Newton's method (this catalog)",
    },
    CatalogEntry {
        name: "mccormick",
        title: "McCormick function",
        formula: "sin(x + y) + (x - y)^2 - 1.5*x + 2.5*y + 1",
        domain: [-1.5, 4.0, -3.0, 4.0],
        extrema: &[
            global_min(-0.5471975511965977, -1.5471975511965979, -1.9132229549810364),
            local_min(2.5943951023931957, 1.5943951023931955, 1.2283696986087569),
            saddle(1.5471975511965979, 0.5471975511965977, 1.9132229549810364),
        ],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::mccormick. All 3 stationary points in the \
            domain, exactly (x, y) = (u + 1, u - 1)/2 with cos(u) = -1/2; global minimum value -sqrt(3)/2 - pi/3",
    },
    CatalogEntry {
        name: "easom",
        title: "Easom function",
        formula: "-cos(x)*cos(y)*exp(-(x - pi)^2 - (y - pi)^2)",
        domain: [-100.0, 100.0, -100.0, 100.0],
        extrema: &[global_min(PI, PI, -1.0)],
        source: "Easom (1990); Surjanovic & Bingham (VLSE); as argmin_testfunctions::easom. Only the global minimum \
            is listed",
    },
    CatalogEntry {
        name: "styblinski-tang",
        title: "Styblinski-Tang function",
        formula: "0.5*(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)",
        domain: [-5.0, 5.0, -5.0, 5.0],
        extrema: &[
            global_min(-2.903534027771177, -2.903534027771177, -78.33233140754282),
            local_min(2.746802770990837, -2.903534027771177, -64.19561235905536),
            local_min(-2.903534027771177, 2.746802770990837, -64.19561235905536),
            local_min(2.746802770990837, 2.746802770990837, -50.05889331056788),
            local_max(0.1567312567803401, 0.1567312567803401, 0.39122471811071613),
            saddle(-2.903534027771177, 0.1567312567803401, -38.97055334471606),
            saddle(0.1567312567803401, -2.903534027771177, -38.97055334471606),
            saddle(2.746802770990837, 0.1567312567803401, -24.833834296228584),
            saddle(0.1567312567803401, 2.746802770990837, -24.833834296228584),
        ],
        source: "Styblinski & Tang (1990), with the factor 1/2 as in Surjanovic & Bingham (VLSE) and \
            argmin_testfunctions::styblinski_tang. All 9 stationary points; extrema refined by Newton's method (this \
            catalog)",
    },
    CatalogEntry {
        name: "levy-n13",
        title: "Levy function N. 13",
        formula: "(sin(3*pi*x))^2 + (x - 1)^2*(1 + (sin(3*pi*y))^2) + (y - 1)^2*(1 + (sin(2*pi*y))^2)",
        domain: [-10.0, 10.0, -10.0, 10.0],
        extrema: &[global_min(1.0, 1.0, 0.0)],
        source: "Surjanovic & Bingham (VLSE); Jamil & Yang (2013); as argmin_testfunctions::levy_n13. Only the global \
            minimum is listed",
    },
    CatalogEntry {
        name: "bukin-n6",
        title: "Bukin function N. 6",
        formula: "100*sqrt(abs(y - 0.01*x^2)) + 0.01*abs(x + 10)",
        domain: [-15.0, -5.0, -3.0, 3.0],
        extrema: &[nonsmooth(global_min(-10.0, 1.0, 0.0))],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::bukin_n6. The minimum lies on the kink y = \
            x^2/100 (and of |x + 10|)",
    },
    CatalogEntry {
        name: "cross-in-tray",
        title: "Cross-in-tray function",
        formula: "-0.0001*(abs(sin(x)*sin(y)*exp(abs(100 - sqrt(x^2 + y^2)/pi))) + 1)^0.1",
        domain: [-10.0, 10.0, -10.0, 10.0],
        extrema: &[
            global_min(1.3494066171539107, 1.3494066171539107, -2.062611870822737),
            global_min(1.3494066171539107, -1.3494066171539107, -2.062611870822737),
            global_min(-1.3494066171539107, 1.3494066171539107, -2.062611870822737),
            global_min(-1.3494066171539107, -1.3494066171539107, -2.062611870822737),
        ],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::cross_in_tray. The 4 global minima; extrema \
            refined by Newton's method (this catalog)",
    },
    CatalogEntry {
        name: "holder-table",
        title: "Holder table function",
        formula: "-abs(sin(x)*cos(y)*exp(abs(1 - sqrt(x^2 + y^2)/pi)))",
        domain: [-10.0, 10.0, -10.0, 10.0],
        extrema: &[
            global_min(8.055023475736563, 9.664590019241272, -19.208502567886732),
            global_min(8.055023475736563, -9.664590019241272, -19.208502567886732),
            global_min(-8.055023475736563, 9.664590019241272, -19.208502567886732),
            global_min(-8.055023475736563, -9.664590019241272, -19.208502567886732),
        ],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::holder_table. The 4 global minima; extrema \
            refined by Newton's method (this catalog)",
    },
    CatalogEntry {
        name: "eggholder",
        title: "Eggholder function",
        formula: "-(y + 47)*sin(sqrt(abs(y + x/2 + 47))) - x*sin(sqrt(abs(x - (y + 47))))",
        domain: [-512.0, 512.0, -512.0, 512.0],
        extrema: &[nonsmooth(global_min(512.0, 404.2318051137578, -959.6406627208509))],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::eggholder. The global minimum on the domain \
            lies on its edge x = 512, where the gradient does not vanish (marked nonsmooth); y refined by Newton's \
            method on df/dy (this catalog)",
    },
    CatalogEntry {
        name: "schaffer-n2",
        title: "Schaffer function N. 2",
        formula: "0.5 + ((sin(x^2 - y^2))^2 - 0.5)/(1 + 0.001*(x^2 + y^2))^2",
        domain: [-100.0, 100.0, -100.0, 100.0],
        extrema: &[global_min(0.0, 0.0, 0.0)],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::schaffer_n2. Only the global minimum is listed",
    },
    CatalogEntry {
        name: "schaffer-n4",
        title: "Schaffer function N. 4",
        formula: "0.5 + ((cos(sin(abs(x^2 - y^2))))^2 - 0.5)/(1 + 0.001*(x^2 + y^2))^2",
        domain: [-100.0, 100.0, -100.0, 100.0],
        extrema: &[
            global_min(0.0, 1.2531318314637332, 0.29257863203598056),
            global_min(0.0, -1.2531318314637332, 0.29257863203598056),
            global_min(1.2531318314637332, 0.0, 0.29257863203598056),
            global_min(-1.2531318314637332, 0.0, 0.29257863203598056),
        ],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::schaffer_n4. Minimum value 0.292579 as in \
            Wikipedia 'Test functions for optimization' (the crate's doc comment says 0.291992). The 4 global minima; \
            extrema refined by Newton's method (this catalog)",
    },
    CatalogEntry {
        name: "branin",
        title: "Branin function",
        formula: "(y - 5.1/(4*pi^2)*x^2 + 5/pi*x - 6)^2 + 10*(1 - 1/(8*pi))*cos(x) + 10",
        domain: [-5.0, 10.0, 0.0, 15.0],
        extrema: &[
            global_min(-PI, 12.275, 0.3978873577297383),
            global_min(PI, 2.275, 0.3978873577297383),
            global_min(9.42477796076938, 2.475, 0.3978873577297383),
            saddle(0.0, 6.0, 19.60211264227026),
            saddle(TAU, 1.1, 19.60211264227026),
        ],
        source: "Branin (1972), a = 1, b = 5.1/(4 pi^2), c = 5/pi, r = 6, s = 10, t = 1/(8 pi); Surjanovic & Bingham \
            (VLSE). All 5 stationary points, exactly x = k pi, y = b x^2 - c x + r",
    },
    CatalogEntry {
        name: "sphere",
        title: "Sphere function",
        formula: "x^2 + y^2",
        domain: [-5.12, 5.12, -5.12, 5.12],
        extrema: &[global_min(0.0, 0.0, 0.0)],
        source: "Surjanovic & Bingham (VLSE); as argmin_testfunctions::sphere. The only stationary point",
    },
    CatalogEntry {
        name: "saddle",
        title: "Saddle (hyperbolic paraboloid)",
        formula: "x^2 - y^2",
        domain: [-2.0, 2.0, -2.0, 2.0],
        extrema: &[saddle(0.0, 0.0, 0.0)],
        source: "Teaching example: a single saddle point at the origin, no minimum",
    },
    CatalogEntry {
        name: "ill-conditioned",
        title: "Ill-conditioned quadratic (narrow valley)",
        formula: "x^2 + 25*y^2",
        domain: [-5.0, 5.0, -5.0, 5.0],
        extrema: &[global_min(0.0, 0.0, 0.0)],
        source: "Teaching example: Hessian condition number 25, where plain gradient descent zig-zags",
    },
    CatalogEntry {
        name: "monkey-saddle",
        title: "Monkey saddle",
        formula: "x^3 - 3*x*y^2",
        domain: [-2.0, 2.0, -2.0, 2.0],
        extrema: &[saddle(0.0, 0.0, 0.0)],
        source: "Teaching example: a degenerate saddle at the origin (zero Hessian), no minimum",
    },
];

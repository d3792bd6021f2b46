//! The function table of SPEC section 4: names, arguments and result types.
//!
//! A call whose first argument mentions a field is *field-side* (`tolower(City)`) and stays in
//! the tree for the back ends; any other call is *literal-side* and folds to a constant at
//! parse time ([`super::value`]).

use serde::Serialize;

use super::ast::ValueType;

/// Every function of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)] // the variants are the function names
pub enum Function {
    Now,
    Days,
    Weekdays,
    Months,
    Years,
    Hours,
    Minutes,
    Seconds,
    MinDateTime,
    MaxDateTime,
    Contains,
    StartsWith,
    EndsWith,
    Regex,
    ToLower,
    ToUpper,
    Trim,
    Length,
    IndexOf,
    Concat,
    Substring,
    Round,
    Ceiling,
    Floor,
    Cast,
    Date,
    Time,
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    FractionalSeconds,
    DayOfWeek,
    DayOfYear,
    Range,
    Polygon,
    LineString,
    Rectangle,
    Radius,
    Wkt,
    All,
}

/// What a function returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// Always this type.
    Fixed(ValueType),
    /// The type named by the second argument (`cast`).
    CastTarget,
    /// The type of its field argument (`all`).
    FieldType,
}

/// Argument and result rules of a function.
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    /// Accepted types per argument position.
    pub args: &'static [&'static [ValueType]],
    /// How many trailing arguments may be left out.
    pub optional: usize,
    /// The first argument may mention a field.
    pub field_side: bool,
    /// The function may be called on constants only.
    pub literal_side: bool,
    /// The result type.
    pub returns: Returns,
}

use ValueType as T;

const CHAR: &[T] = &[T::Character];
const INT: &[T] = &[T::Integer];
const NUMBER: &[T] = &[T::Decimal, T::Integer];
const TEMPORAL: &[T] = &[T::DateTime, T::Date];
const CASTABLE: &[T] = &[T::Character, T::Decimal, T::Integer, T::Null];
const ANY: &[T] = &[
    T::Null,
    T::Boolean,
    T::Integer,
    T::Decimal,
    T::Character,
    T::Date,
    T::Time,
    T::DateTime,
];

const fn literal(args: &'static [&'static [T]], optional: usize, returns: T) -> Signature {
    Signature {
        args,
        optional,
        field_side: false,
        literal_side: true,
        returns: Returns::Fixed(returns),
    }
}

const fn either(args: &'static [&'static [T]], optional: usize, returns: T) -> Signature {
    Signature {
        args,
        optional,
        field_side: true,
        literal_side: true,
        returns: Returns::Fixed(returns),
    }
}

/// Every function, in table order.
pub const ALL_FUNCTIONS: &[Function] = &[
    Function::Now,
    Function::Days,
    Function::Weekdays,
    Function::Months,
    Function::Years,
    Function::Hours,
    Function::Minutes,
    Function::Seconds,
    Function::MinDateTime,
    Function::MaxDateTime,
    Function::Contains,
    Function::StartsWith,
    Function::EndsWith,
    Function::Regex,
    Function::ToLower,
    Function::ToUpper,
    Function::Trim,
    Function::Length,
    Function::IndexOf,
    Function::Concat,
    Function::Substring,
    Function::Round,
    Function::Ceiling,
    Function::Floor,
    Function::Cast,
    Function::Date,
    Function::Time,
    Function::Year,
    Function::Month,
    Function::Day,
    Function::Hour,
    Function::Minute,
    Function::Second,
    Function::FractionalSeconds,
    Function::DayOfWeek,
    Function::DayOfYear,
    Function::Range,
    Function::Polygon,
    Function::LineString,
    Function::Rectangle,
    Function::Radius,
    Function::Wkt,
    Function::All,
];

impl Function {
    /// The name as written in filters.
    pub fn name(self) -> &'static str {
        match self {
            Function::Now => "now",
            Function::Days => "days",
            Function::Weekdays => "weekdays",
            Function::Months => "months",
            Function::Years => "years",
            Function::Hours => "hours",
            Function::Minutes => "minutes",
            Function::Seconds => "seconds",
            Function::MinDateTime => "mindatetime",
            Function::MaxDateTime => "maxdatetime",
            Function::Contains => "contains",
            Function::StartsWith => "startswith",
            Function::EndsWith => "endswith",
            Function::Regex => "regex",
            Function::ToLower => "tolower",
            Function::ToUpper => "toupper",
            Function::Trim => "trim",
            Function::Length => "length",
            Function::IndexOf => "indexof",
            Function::Concat => "concat",
            Function::Substring => "substring",
            Function::Round => "round",
            Function::Ceiling => "ceiling",
            Function::Floor => "floor",
            Function::Cast => "cast",
            Function::Date => "date",
            Function::Time => "time",
            Function::Year => "year",
            Function::Month => "month",
            Function::Day => "day",
            Function::Hour => "hour",
            Function::Minute => "minute",
            Function::Second => "second",
            Function::FractionalSeconds => "fractionalseconds",
            Function::DayOfWeek => "dayofweek",
            Function::DayOfYear => "dayofyear",
            Function::Range => "range",
            Function::Polygon => "polygon",
            Function::LineString => "linestring",
            Function::Rectangle => "rectangle",
            Function::Radius => "radius",
            Function::Wkt => "wkt",
            Function::All => "all",
        }
    }

    /// Looks a name up (names are case-sensitive, as in the reference).
    pub fn from_name(name: &str) -> Option<Function> {
        ALL_FUNCTIONS.iter().copied().find(|f| f.name() == name)
    }

    /// The argument and result rules.
    pub fn signature(self) -> Signature {
        use Function::*;
        match self {
            Now | MinDateTime | MaxDateTime => literal(&[], 0, T::DateTime),
            Days | Weekdays | Months | Years => literal(&[INT], 0, T::Date),
            Hours | Minutes | Seconds => literal(&[INT], 0, T::DateTime),
            Contains | StartsWith | EndsWith => literal(&[CHAR], 0, T::Pattern),
            Regex => literal(&[CHAR, CHAR], 1, T::Pattern),
            ToLower | ToUpper | Trim => either(&[CHAR], 0, T::Character),
            Length => either(&[CHAR], 0, T::Integer),
            IndexOf => either(&[CHAR, CHAR], 0, T::Integer),
            Concat => either(&[CHAR, CHAR], 0, T::Character),
            Substring => either(&[CHAR, INT, INT], 1, T::Character),
            Round | Ceiling | Floor => either(&[NUMBER], 0, T::Integer),
            Cast => Signature {
                args: &[CASTABLE, CHAR],
                optional: 0,
                field_side: true,
                literal_side: true,
                returns: Returns::CastTarget,
            },
            Date => either(&[TEMPORAL], 0, T::Date),
            Time => either(&[TEMPORAL], 0, T::Time),
            Year | Month | Day | Hour | Minute | Second | DayOfWeek | DayOfYear => {
                either(&[TEMPORAL], 0, T::Integer)
            }
            FractionalSeconds => either(&[TEMPORAL], 0, T::Decimal),
            Range => literal(&[CHAR, CHAR], 0, T::CharRange),
            Polygon | LineString | Rectangle | Wkt => literal(&[CHAR], 0, T::Shape),
            Radius => literal(&[CHAR, NUMBER], 0, T::Shape),
            All => Signature {
                args: &[ANY],
                optional: 0,
                field_side: true,
                literal_side: false,
                returns: Returns::FieldType,
            },
        }
    }
}

/// The target types `cast` accepts, by name.
pub fn cast_target(name: &str) -> Option<ValueType> {
    match name {
        "character" => Some(ValueType::Character),
        "decimal" => Some(ValueType::Decimal),
        "integer" => Some(ValueType::Integer),
        _ => None,
    }
}

//! [`Param`](super::Param) as each driver's own parameter type, so compiled SQL runs on a caller's own
//! connections without conversion: `&dyn ToSql` for rusqlite and for postgres/tokio-postgres.
//!
//! A `Param` binds exactly as the loader stored the value (SQLite: booleans as 0/1, dates
//! and times as text, instants as microseconds since the epoch; PostgreSQL: the native
//! types), so a condition compiled by this crate matches the rows this crate wrote.

#[cfg(feature = "sqlite")]
impl rusqlite::ToSql for super::Param {
    /// Text borrows; the other kinds are converted as [`super::sqlite::param_value`] does.
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            super::Param::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            other => ToSqlOutput::Owned(super::sqlite::param_value(other)),
        })
    }
}

#[cfg(feature = "postgres")]
mod pg {
    use std::error::Error;

    use postgres::types::private::BytesMut;
    use postgres::types::{IsNull, ToSql, Type};

    use crate::sql::Param;

    impl ToSql for Param {
        fn to_sql(
            &self,
            ty: &Type,
            out: &mut BytesMut,
        ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
            match self {
                Param::Bool(b) => b.to_sql(ty, out),
                Param::Int(i) => i.to_sql(ty, out),
                Param::Float(f) => f.to_sql(ty, out),
                Param::Text(t) => <&str as ToSql>::to_sql(&&**t, ty, out),
                Param::Date(d) => d.to_sql(ty, out),
                Param::DateTime(t) => t.to_sql(ty, out),
                Param::Time(t) => t.to_sql(ty, out),
            }
        }

        fn accepts(ty: &Type) -> bool {
            <bool as ToSql>::accepts(ty)
                || <i64 as ToSql>::accepts(ty)
                || <f64 as ToSql>::accepts(ty)
                || <&str as ToSql>::accepts(ty)
                || <chrono::NaiveDate as ToSql>::accepts(ty)
                || <chrono::DateTime<chrono::Utc> as ToSql>::accepts(ty)
                || <chrono::NaiveTime as ToSql>::accepts(ty)
        }

        /// Checks the kind this value holds, not the union of all kinds: an `Int` bound to
        /// a text placeholder is an error, never eight bytes read as text.
        fn to_sql_checked(
            &self,
            ty: &Type,
            out: &mut BytesMut,
        ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
            match self {
                Param::Bool(b) => b.to_sql_checked(ty, out),
                Param::Int(i) => i.to_sql_checked(ty, out),
                Param::Float(f) => f.to_sql_checked(ty, out),
                Param::Text(t) => <&str as ToSql>::to_sql_checked(&&**t, ty, out),
                Param::Date(d) => d.to_sql_checked(ty, out),
                Param::DateTime(t) => t.to_sql_checked(ty, out),
                Param::Time(t) => t.to_sql_checked(ty, out),
            }
        }
    }
}

/// The parameters of a query as the postgres drivers take them (`&[&(dyn ToSql + Sync)]`).
///
/// ```
/// # #[cfg(feature = "postgres")] {
/// use spark_filter::sql::{Param, bind};
/// let params = vec![Param::Text("Member".into()), Param::Int(3)];
/// assert_eq!(bind::postgres_params(&params).len(), 2);
/// # }
/// ```
#[cfg(feature = "postgres")]
pub fn postgres_params(params: &[super::Param]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

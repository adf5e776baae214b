//! Which lead field each column of the header feeds: our own names, the
//! usual spreadsheet spellings, and the column names of the hosted CRMs'
//! exports (HubSpot, Salesforce, Zoho CRM, Pipedrive, Odoo).

/// A lead field a column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Name,
    First,
    Last,
    Email,
    Phone,
    Company,
    Source,
    Status,
    Owner,
    Tags,
    Created,
    Notes,
}

/// Header names are compared lower-case with everything but letters and
/// digits removed, so `E-mail`, `e_mail` and `EMAIL` are one name, and
/// Pipedrive's `Person - Name` is `personname`.
fn normalise_header(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The field a header name feeds. Pipedrive prefixes a column with its
/// entity (`Lead - Owner`, `Deal - Stage`), so a name that matches nothing
/// is tried again without a leading `lead` or `deal`.
pub(super) fn field_for(header: &str) -> Option<Field> {
    let name = normalise_header(header);
    field_for_normalised(&name).or_else(|| {
        let rest = name.strip_prefix("lead").or_else(|| name.strip_prefix("deal"))?;
        field_for_normalised(rest)
    })
}

fn field_for_normalised(name: &str) -> Option<Field> {
    let field = match name {
        // Odoo's `Contact Name`, Pipedrive's `Person - Name`.
        "name" | "fullname" | "leadname" | "contactname" | "contact" | "customername" | "personname" => Field::Name,
        "firstname" | "first" | "givenname" | "forename" => Field::First,
        "lastname" | "last" | "surname" | "familyname" => Field::Last,
        "email" | "emailaddress" | "mail" | "workemail" | "primaryemail" | "emailfrom" => Field::Email,
        "phone" | "phonenumber" | "telephone" | "tel" | "mobile" | "mobilephone" | "mobilenumber" | "phoneno"
        | "workphone" | "primaryphone" => Field::Phone,
        // HubSpot's `Associated Company`, Salesforce's `Company / Account`,
        // Pipedrive's `Organization - Name`, Odoo's `Customer`.
        "company" | "companyname" | "organization" | "organisation" | "organizationname" | "organisationname"
        | "account" | "accountname" | "business" | "businessname" | "associatedcompany" | "companyaccount"
        | "customer" => Field::Company,
        // HubSpot's `Original Source`.
        "source" | "leadsource" | "origin" | "channel" | "originalsource" => Field::Source,
        "status" | "leadstatus" | "stage" | "leadstage" | "dealstage" => Field::Status,
        // HubSpot's `Contact owner`, Salesforce's and Zoho's `Lead Owner`,
        // Pipedrive's `Owner`, Odoo's `Salesperson`.
        "owner" | "assignedto" | "leadowner" | "ownername" | "assignee" | "salesrep" | "contactowner"
        | "hubspotowner" | "recordowner" | "dealowner" | "salesperson" => Field::Owner,
        // Pipedrive's and Odoo's `Labels`/`Tags`, Zoho's `Tag`.
        "tags" | "tag" | "labels" | "label" => Field::Tags,
        // HubSpot's `Create Date`, Salesforce's `Created Date`, Zoho's
        // `Created Time`, Pipedrive's `Lead created`, Odoo's `Created on`.
        "created" | "createdat" | "createdon" | "createddate" | "createdtime" | "createdate" | "datecreated"
        | "creationdate" | "leadcreated" | "dealcreated" | "addtime" => Field::Created,
        "notes" | "note" | "description" | "comments" | "comment" => Field::Notes,
        // Pipedrive's `Person - Email - Work`, `Person - Phone - Mobile`, …
        _ if name.starts_with("personemail") => Field::Email,
        _ if name.starts_with("personphone") => Field::Phone,
        _ => return None,
    };
    Some(field)
}

/// The field each column feeds, and the names of the columns that feed
/// none. Several columns may feed one field (Zoho's `Phone` and `Mobile`,
/// HubSpot's `Company Name` and `Associated Company`): the first that is not
/// empty on a row wins.
pub(super) fn map_columns(header: &csv::StringRecord) -> (Vec<Option<Field>>, Vec<String>) {
    let mut columns = Vec::with_capacity(header.len());
    let mut ignored = Vec::new();
    for name in header {
        let name = name.trim();
        let field = field_for(name);
        if field.is_none() && !name.is_empty() {
            ignored.push(name.to_string());
        }
        columns.push(field);
    }
    (columns, ignored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_aliases_whatever_the_spelling() {
        for (h, f) in [
            ("E-mail", Field::Email),
            ("Phone Number", Field::Phone),
            ("Company Name", Field::Company),
            ("Organization", Field::Company),
            ("Lead Source", Field::Source),
            ("Lead Status", Field::Status),
            ("Assigned To", Field::Owner),
            ("first_name", Field::First),
            ("Created at", Field::Created),
            ("Full Name", Field::Name),
        ] {
            assert_eq!(field_for(h), Some(f), "{h}");
        }
        assert_eq!(field_for("Deal value"), None);
        assert_eq!(field_for("Lead ID"), None);
    }

    #[test]
    fn the_hosted_crms_column_names_are_known() {
        for (h, f) in [
            ("Contact owner", Field::Owner),
            ("Lead Owner", Field::Owner),
            ("Salesperson", Field::Owner),
            ("Lead - Owner", Field::Owner),
            ("Associated Company", Field::Company),
            ("Company / Account", Field::Company),
            ("Organization - Name", Field::Company),
            ("Customer", Field::Company),
            ("Create Date", Field::Created),
            ("Created Date", Field::Created),
            ("Created Time", Field::Created),
            ("Lead created", Field::Created),
            ("Lead - Lead created", Field::Created),
            ("Created on", Field::Created),
            ("Original Source", Field::Source),
            ("Stage", Field::Status),
            ("Deal - Stage", Field::Status),
            ("Labels", Field::Tags),
            ("Person - Name", Field::Name),
            ("Person - Email", Field::Email),
            ("Person - Email - Work", Field::Email),
            ("Person - Phone", Field::Phone),
            ("Contact Name", Field::Name),
        ] {
            assert_eq!(field_for(h), Some(f), "{h}");
        }
        for ignored in ["Record ID", "Country/Region", "Title", "Sales Team", "Lifecycle Stage"] {
            assert_eq!(field_for(ignored), None, "{ignored}");
        }
    }
}

//! Files sent by a form (multipart): the file field `fichier` and the
//! form's other text fields, read the same way by every import page.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;

use crate::error::AppError;

/// What a form sent: the file (name, bytes) and the other fields.
pub(super) struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
    pub fields: HashMap<String, String>,
}

fn unreadable(e: MultipartError) -> AppError {
    AppError::BadRequest(format!("Envoi illisible : {e}"))
}

/// Reads the whole form; refuses a form without a non-empty `fichier`.
pub(super) async fn read_upload(mut multipart: Multipart) -> Result<Upload, AppError> {
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut fields = HashMap::new();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        if name == "fichier" {
            let file_name = field.file_name().unwrap_or("import.csv").to_owned();
            file = Some((file_name, field.bytes().await.map_err(unreadable)?.to_vec()));
        } else {
            fields.insert(name, field.text().await.map_err(unreadable)?);
        }
    }
    match file {
        Some((name, bytes)) if !bytes.is_empty() => Ok(Upload {
            name,
            bytes,
            fields,
        }),
        _ => Err(AppError::BadRequest(
            "Choisissez un fichier à envoyer.".into(),
        )),
    }
}

# Written by `iamdsl export --format terraform` from data_perimeter.iam.
# Account data (111111111111): apply with credentials for this account.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111111111111"]
}

resource "aws_s3_bucket_policy" "lake" {
  bucket = "acme-data-lake"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "AppsRead"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::222222222222:root"
        }
        Action   = "s3:GetObject"
        Resource = "arn:aws:s3:::acme-data-lake/*"
      },
      {
        Sid    = "AppsRead2"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::222222222222:root"
        }
        Action   = "s3:ListBucket"
        Resource = "arn:aws:s3:::acme-data-lake"
      },
      {
        Sid       = "IdentityPerimeter"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::acme-data-lake", "arn:aws:s3:::acme-data-lake/*"]
        Condition = {
          BoolIfExists = {
            "aws:PrincipalIsAWSService" = "false"
          }
          StringNotEqualsIfExists = {
            "aws:PrincipalOrgID" = "o-a1b2c3d4e5"
          }
        }
      },
      {
        Sid       = "NetworkPerimeter"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::acme-data-lake", "arn:aws:s3:::acme-data-lake/*"]
        Condition = {
          BoolIfExists = {
            "aws:PrincipalIsAWSService" = "false"
            "aws:ViaAWSService"         = "false"
          }
          StringNotEqualsIfExists = {
            "aws:SourceVpce" = "vpce-0a1b2c3d4e5f60718"
          }
        }
      },
    ]
  })
}

resource "aws_s3_bucket_policy" "legacy_exports" {
  bucket = "acme-legacy-exports"
  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "LegacyExportsPolicy"
    Statement = [
      {
        Sid    = "AppsAccountRead"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::222222222222:root"
        }
        Action   = ["s3:GetObject", "s3:ListBucket"]
        Resource = ["arn:aws:s3:::acme-legacy-exports", "arn:aws:s3:::acme-legacy-exports/*"]
      },
      {
        Sid       = "IdentityPerimeter"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::acme-legacy-exports", "arn:aws:s3:::acme-legacy-exports/*"]
        Condition = {
          BoolIfExists = {
            "aws:PrincipalIsAWSService" = "false"
          }
          StringNotEqualsIfExists = {
            "aws:PrincipalOrgID" = "o-a1b2c3d4e5"
          }
        }
      },
    ]
  })
}
